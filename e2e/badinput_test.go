package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// Bad input over the tunnel gets clear errors; nothing is signed and
// nothing already signed is lost.
func TestBadInputOverTunnel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	console := &scriptedConsole{}
	k := softKey(t, dir, console)
	relayPriv, _ := wgintake.GenerateKey()
	b := startBox(t, ctx, dir, k, console, nil, relayPriv.Public())
	tun := relayTun(t, relayPriv, b.pub, b.port)
	rb := relay.NewBox(tun, netip.MustParseAddrPort("10.77.0.1:80"))
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return tun.Net().DialContextTCPAddrPort(ctx, netip.MustParseAddrPort("10.77.0.1:80"))
	}}}
	post := func(path string, body []byte) (int, string) {
		resp, err := hc.Post("http://10.77.0.1"+path, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(msg)
	}

	// One good request, whose result must survive everything below.
	var nk tka.NodeKey
	rand.Read(nk[:])
	good := &api.Request{ID: "good-1", Kind: api.KindSignNode, NodeKey: nk.String()}
	first, err := rb.Ask(ctx, good)
	if err != nil || first.Status != api.StatusSigned {
		t.Fatalf("the good request: %v %+v", err, first)
	}

	var other tka.NodeKey
	rand.Read(other[:])
	replay, _ := json.Marshal(&api.Request{ID: "good-1", Kind: api.KindSignNode, NodeKey: other.String()})
	for _, c := range []struct {
		name, path string
		body       []byte
		code       int
		want       string
	}{
		{"malformed", "/v1/requests", []byte(`{"id": "x", "kind": `), 400, "not valid JSON"},
		{"unknown field", "/v1/requests", []byte(`{"id": "x", "kind": "sign-node", "sign_anyway": true}`), 400, "unknown field"},
		{"oversized", "/v1/requests", append(append([]byte(`{"id": "x", "kind": "sign-node", "node_key": "`), bytes.Repeat([]byte("a"), 5<<20)...), `"}`...), 413, "larger than"},
		{"replayed id for another node", "/v1/requests", replay, 422, "already used"},
		{"a node of another tailnet", "/v1/requests", fmt.Appendf(nil, `{"id": "x5", "kind": "sign-node", "node_key": %q, "state_id": 4242}`, other.String()), 422, "another tailnet"},
		{"malformed AUM", "/v1/aums", []byte(`{"aums": ["zz"]}`), 422, "aums[0]"},
		{"oversized delivered", "/v1/delivered", bytes.Repeat([]byte(" "), 100<<10), 400, "larger than"},
		{"delivered for nothing released", "/v1/delivered", []byte(`{"id": "never-1"}`), 422, "released nothing"},
	} {
		code, msg := post(c.path, c.body)
		if code != c.code || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %s, want %d and %q", c.name, code, strings.TrimSpace(msg), c.code, c.want)
		}
	}

	// An AUM of another authority (another tailnet): refused, the head
	// stays.
	before, _ := rb.Status(ctx)
	stranger := softKey(t, t.TempDir(), console)
	st2, err := signer.OpenChainStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	_, g2, err := tka.Create(ctx, st2, tka.State{Keys: []tka.Key{tka.NewEd25519Key(stranger.PublicKey(), 1)},
		DisablementValues: [][]byte{tka.DisablementKDF([]byte("other"))}, StateID1: 77, StateID2: 88}, stranger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rb.Inform(ctx, []string{tka.FormatHexAUM(g2)}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("an AUM of another authority: %v, want refused", err)
	}
	if after, _ := rb.Status(ctx); after.Head != before.Head {
		t.Errorf("the head moved from %s to %s", before.Head, after.Head)
	}

	// The relay's key removed from the box's config: its packets are
	// dropped, nothing reaches the API.
	b.intake(t, ctx, "")
	qctx, qcancel := context.WithTimeout(ctx, 3*time.Second)
	var nk2 tka.NodeKey
	rand.Read(nk2[:])
	_, err = rb.Ask(qctx, &api.Request{ID: "removed-1", Kind: api.KindSignNode, NodeKey: nk2.String()})
	qcancel()
	if err == nil {
		t.Fatal("a relay whose key was removed was answered")
	}
	t.Logf("removed relay: %v", err)

	// Nothing signed but the good request, and its answer is intact.
	issued := 0
	b.journal.Scan(func(r signer.Record) error {
		if r.Type == signer.RecIssued {
			issued++
			if r.RequestID != "good-1" {
				t.Errorf("issued %s", r.RequestID)
			}
		}
		if r.RequestID == "removed-1" {
			t.Errorf("the removed relay's request reached the journal: %s", r.Type)
		}
		return nil
	})
	if issued != 1 {
		t.Errorf("%d issued records, want 1", issued)
	}
	b.intake(t, ctx, fmt.Sprintf(`{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2"}`, relayPriv.Public()))
	again, err := rb.Ask(ctx, good)
	if err != nil || again.Signature != first.Signature {
		t.Fatalf("the good request after all that: %v %+v", err, again)
	}
}
