package wgintake

import (
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// upForStatus brings up a device with the named peers (none handshakes)
// and serves its status on a socket; it returns the socket's path.
func upForStatus(t *testing.T, names ...string) string {
	t.Helper()
	priv, _ := GenerateKey()
	cfg := &Config{ListenAddress: "127.0.0.1", Address: netip.MustParseAddr("10.77.0.1"), APIPort: 80}
	for i, n := range names {
		k, _ := GenerateKey()
		cfg.Peers = append(cfg.Peers, PeerConfig{Name: n, PublicKey: k.Public().String(), TunnelIP: netip.AddrFrom4([4]byte{10, 77, 0, byte(2 + i)})})
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	tun, err := Up(priv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tun.Close)
	path := filepath.Join(t.TempDir(), "wg.sock")
	l, err := ListenStatus(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go tun.ServeStatus(l)
	return path
}

func TestStatusSortedByName(t *testing.T) {
	path := upForStatus(t, "zulu", "alpha", "mike", "bravo")
	// The device lists its peers in map order; ask a few times.
	for range 5 {
		st, err := ReadStatus(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range st {
			got = append(got, p.Name)
		}
		if want := []string{"alpha", "bravo", "mike", "zulu"}; !slices.Equal(got, want) {
			t.Fatalf("peers %v, want %v", got, want)
		}
	}
}

func TestStatusNoPeersIsEmptyNotAnError(t *testing.T) {
	st, err := ReadStatus(upForStatus(t))
	if err != nil || st == nil || len(st) != 0 {
		t.Fatalf("ReadStatus = %v, %v; want an empty list", st, err)
	}
}

// TestReadStatusRefusesNonAnswers: a daemon that could not read its
// device, or an answer that is no list of peers, is an error, never an
// empty list that `signet wg show` would print as "no peers".
func TestReadStatusRefusesNonAnswers(t *testing.T) {
	for answer, want := range map[string]string{
		`{"error":"device closed"}` + "\n": "the daemon could not read its WireGuard device: device closed",
		"null\n":                           "the answer is not a list of peers",
		`{"peers":[]}` + "\n":              "the answer is not a list of peers",
		"[1,2]\n":                          "the answer is not a list of peers",
		"":                                 "reading the WireGuard status: EOF",
	} {
		path := filepath.Join(t.TempDir(), "s.sock")
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			c, err := l.Accept()
			if err == nil {
				c.Write([]byte(answer))
				c.Close()
			}
		}()
		st, err := ReadStatus(path)
		l.Close()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("answer %q: ReadStatus = %v, %v; want an error with %q", answer, st, err, want)
		}
	}
}
