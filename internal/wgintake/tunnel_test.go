package wgintake

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

// freeUDPPort finds a free UDP port on loopback.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

type pair struct {
	box, relay       *Tunnel
	boxPriv, relPriv Key
	boxCfg           *Config
}

func serveWho(t *testing.T, tun *Tunnel) {
	l, err := tun.Listen()
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ap, _ := net.ResolveTCPAddr("tcp", r.RemoteAddr)
		name, ok := tun.PeerName(ap)
		fmt.Fprintf(w, "%s %v", name, ok)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

func clientVia(tun *Tunnel) *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			ap, err := netip.ParseAddrPort(addr)
			if err != nil {
				return nil, err
			}
			return tun.Net().DialContextTCPAddrPort(ctx, ap)
		}}}
}

func TestAllowedPeerIsNamed(t *testing.T) {
	// The box's config allows a key we then use for the relay.
	relPriv, _ := GenerateKey()
	p := upPairWith(t, relPriv, relPriv.Public())
	serveWho(t, p.box)
	resp, err := clientVia(p.relay).Get("http://10.77.0.1:8080/")
	if err != nil {
		t.Fatalf("GET through the tunnel: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "relay true" {
		t.Errorf("the box named the peer %q, want %q", b, "relay true")
	}
	st, err := p.box.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].Name != "relay" || st[0].LastHandshake.IsZero() || st[0].RxBytes == 0 || st[0].PublicKey != relPriv.Public().String() {
		t.Errorf("status after a request = %+v", st)
	}
}

func TestUnknownPeerGetsNothing(t *testing.T) {
	stranger, _ := GenerateKey()
	allowed, _ := GenerateKey()
	p := upPairWith(t, stranger, allowed.Public())
	serveWho(t, p.box)
	c := clientVia(p.relay)
	c.Timeout = 1500 * time.Millisecond
	if resp, err := c.Get("http://10.77.0.1:8080/"); err == nil {
		resp.Body.Close()
		t.Fatal("a peer with an unknown key got an answer")
	}
	st, _ := p.box.Status()
	if len(st) != 1 || !st[0].LastHandshake.IsZero() {
		t.Errorf("the box recorded a handshake with a stranger: %+v", st)
	}
}

// upPairWith is upPair where the box allows allowedPub.
func upPairWith(t *testing.T, relayPriv, allowedPub Key) *pair {
	t.Helper()
	boxPriv, _ := GenerateKey()
	port := freeUDPPort(t)
	boxCfg, err := ParseConfig(fmt.Appendf(nil, `{"listen_port": %d, "address": "10.77.0.1", "api_port": 8080,
		"peers": [{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2"}]}`, port, allowedPub))
	if err != nil {
		t.Fatal(err)
	}
	box, err := Up(boxPriv, boxCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(box.Close)
	relCfg, err := ParseConfig(fmt.Appendf(nil, `{"listen_port": 0, "address": "10.77.0.2",
		"peers": [{"name": "box", "public_key": %q, "tunnel_ip": "10.77.0.1", "endpoint": "127.0.0.1:%d"}]}`, boxPriv.Public(), port))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := Up(relayPriv, relCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rel.Close)
	return &pair{box: box, relay: rel, boxPriv: boxPriv, boxCfg: boxCfg}
}

func TestConfigErrors(t *testing.T) {
	k, _ := GenerateKey()
	pub := k.Public().String()
	for _, tc := range []struct{ in, want string }{
		{`{"listen_port": 1, "peers": []}`, "address is required (the box's tunnel address)"},
		{`{"listen_port": 70000, "address": "10.0.0.1"}`, "listen_port is 70000, which is not a port"},
		{`{"address": "10.0.0.1", "extra": 1}`, `decoding the WireGuard config: json: unknown field "extra"`},
		{`{"address": "10.0.0.1"} {}`, "the WireGuard config has data after its JSON object"},
		{`{"address": "10.0.0.1", "peers": [{"name": "a b", "public_key": "` + pub + `", "tunnel_ip": "10.0.0.2"}]}`, `peers[0].name "a b" must be 1-32 of a-z A-Z 0-9 . _ -`},
		{`{"address": "10.0.0.1", "peers": [{"name": "a", "public_key": "xx", "tunnel_ip": "10.0.0.2"}]}`, "peers[0].public_key: not a WireGuard key (44 characters of base64)"},
		{`{"address": "10.0.0.1", "peers": [{"name": "a", "public_key": "` + pub + `"}]}`, "peers[0].tunnel_ip is required"},
		{`{"address": "10.0.0.1", "peers": [{"name": "a", "public_key": "` + pub + `", "tunnel_ip": "10.0.0.1"}]}`, "peers[0].tunnel_ip 10.0.0.1 is used twice (or is the box's address)"},
		{`{"address": "10.0.0.1", "peers": [{"name": "a", "public_key": "` + pub + `", "tunnel_ip": "10.0.0.2", "rate_per_minute": -1}]}`, "peers[0].rate_per_minute is -1, must be 0 (the box's default) to 100000"},
	} {
		_, err := ParseConfig([]byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseConfig(%s) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestKeyFile(t *testing.T) {
	path := t.TempDir() + "/wg.key"
	k, err := WritePrivateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WritePrivateKey(path); err == nil {
		t.Error("WritePrivateKey replaced an existing key file")
	}
	got, err := ReadPrivateKey(path)
	if err != nil || got != k {
		t.Fatalf("ReadPrivateKey = %v, %v", got, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPrivateKey(path); err == nil || !strings.Contains(err.Error(), "it must be 0600") {
		t.Errorf("a world-readable key file was read: %v", err)
	}
}
