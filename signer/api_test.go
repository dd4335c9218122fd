package signer

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
)

func serveFixture(t *testing.T, f *fixture) (*api.Client, string) {
	t.Helper()
	sock := filepath.Join(f.dir, "signet.sock")
	l, err := ListenUnix(sock, -1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.svc.ServeUnix(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	return api.NewUnixClient(sock), sock
}

func TestAPIOverUnixSocket(t *testing.T) {
	f := newFixture(t)
	c, sock := serveFixture(t, f)
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	resp, err := c.Send(context.Background(), &api.Request{ID: "api1", Kind: api.KindSignNode, NodeKey: nodeKey(7).String()})
	if err != nil || resp.Status != api.StatusSigned {
		t.Fatalf("send: %v %+v", err, resp)
	}
	r := f.prompt.reviews()[0]
	if !strings.Contains(r.Requester, "uid "+strconv.Itoa(os.Getuid())) || !strings.Contains(r.Requester, "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("the requester must name the peer's uid and pid (SO_PEERCRED): %q", r.Requester)
	}
	st, err := c.Status(context.Background())
	if err != nil || !st.BoxKeyTrusted || len(st.Keys) != 2 || st.Head == "" {
		t.Fatalf("status: %v %+v", err, st)
	}
	if st.HSM == nil || st.HSM.Backend != "soft" || !st.HSM.Present || st.HSM.Error != "" {
		t.Fatalf("status must describe the key device: %+v", st.HSM)
	}
	if st.Boot == "" || st.Boot != f.svc.Status().Boot || st.Boot == f.restart(t).Status().Boot {
		t.Fatalf("boot must be set, stay the same while the daemon runs and change with a restart: %q", st.Boot)
	}
	// A relay's poll leaves the key device alone.
	hr, err := unixHTTP(sock).Get("http://signet" + api.PathStatus + "?hsm=no")
	if err != nil {
		t.Fatal(err)
	}
	defer hr.Body.Close()
	var quiet api.StatusInfo
	if err := json.NewDecoder(hr.Body).Decode(&quiet); err != nil || quiet.HSM != nil || quiet.Head != st.Head {
		t.Fatalf("status?hsm=no: %v %+v", err, quiet)
	}
}

func TestAPIRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	_, sock := serveFixture(t, f)
	hc := unixHTTP(sock)
	cases := []struct{ body, want string }{
		{`{"id":"x1","kind":"sign-node","node_key":"nodekey:00","bogus":1}`, "unknown field"},
		{`{"id":"x2","kind":"sign-node"`, "not valid JSON"},
		{`{"id":"x3","kind":"launch-missiles"}`, "unknown request kind"},
		{`{"id":"bad id!","kind":"sign-node"}`, "request id must be"},
		{`{"id":"x4","kind":"sign-node","node_key":"nodekey:zz"}`, "node key"},
		{`{"id":"x5","kind":"sign-node","deeplink":"tailscale://sign-device/v2/?nk=a"}`, "only v1"},
		{`{"id":"x6","kind":"sign-node"} {"id":"x7"}`, "data after"},
		{`{"id":"x8","kind":"sign-node","node_key":"` + strings.Repeat("a", 5<<20) + `"}`, "larger than"},
	}
	for _, c := range cases {
		resp, err := hc.Post("http://signet"+api.PathRequests, "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || !strings.Contains(b.String(), c.want) {
			t.Errorf("body %.60q: status %d, answer %s; want an error containing %q", c.body, resp.StatusCode, b.String(), c.want)
		}
	}
	if len(f.prompt.reviews()) != 0 {
		t.Fatal("bad input must never reach the console")
	}
}

// unixHTTP is a plain HTTP client of the socket, for calls api.Client
// does not make (bad bodies, raw answers).
func unixHTTP(sock string) *http.Client {
	dial := api.UnixDialer(sock)
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) },
	}}
}
