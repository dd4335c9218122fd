package wgintake

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// upBox starts a box on UDP port, on listen if not empty, that allows
// the peer "relay" with key relayPub at 10.77.0.2.
func upBox(t *testing.T, listen string, port int, relayPub Key) (*Tunnel, Key) {
	t.Helper()
	priv, _ := GenerateKey()
	la := ""
	if listen != "" {
		la = fmt.Sprintf(`"listen_address": %q,`, listen)
	}
	cfg, err := ParseConfig(fmt.Appendf(nil, `{"listen_port": %d, %s "address": "10.77.0.1", "api_port": 8080,
		"peers": [{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2"}]}`, port, la, relayPub))
	if err != nil {
		t.Fatal(err)
	}
	box, err := Up(priv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(box.Close)
	serveWho(t, box)
	return box, priv.Public()
}

// upRelay starts a relay with key priv that reaches the box at endpoint.
func upRelay(t *testing.T, priv, boxPub Key, endpoint netip.AddrPort) *Tunnel {
	t.Helper()
	cfg, err := ParseConfig(fmt.Appendf(nil, `{"listen_port": 0, "address": "10.77.0.2",
		"peers": [{"name": "box", "public_key": %q, "tunnel_ip": "10.77.0.1", "endpoint": %q}]}`, boxPub, endpoint))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := Up(priv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rel.Close)
	return rel
}

// ask sends one request through rel's tunnel and returns the box's answer.
func ask(rel *Tunnel, timeout time.Duration) (string, error) {
	c := clientVia(rel)
	c.Timeout = timeout
	resp, err := c.Get("http://10.77.0.1:8080/")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestListenAddressReachable(t *testing.T) {
	relPriv, _ := GenerateKey()
	port := freeUDPPort(t)
	box, boxPub := upBox(t, "127.0.0.1", port, relPriv.Public())
	rel := upRelay(t, relPriv, boxPub, netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", port)))
	if got, err := ask(rel, 5*time.Second); err != nil || got != "relay true" {
		t.Fatalf("a request over 127.0.0.1 got %q, %v; want %q", got, err, "relay true")
	}
	if got := udpSockets(t, port); len(got) != 1 || got[0] != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("UDP sockets on port %d are on %v, want only 127.0.0.1", port, got)
	}
	// wireguard-go closes and reopens its bind on an update; the box
	// must come back on the same address and port.
	if err := box.dev.BindUpdate(); err != nil {
		t.Fatalf("BindUpdate: %v", err)
	}
	if got, err := ask(rel, 5*time.Second); err != nil || got != "relay true" {
		t.Fatalf("a request after a bind update got %q, %v", got, err)
	}
	if got := udpSockets(t, port); len(got) != 1 || got[0] != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("after a bind update, UDP sockets on port %d are on %v, want only 127.0.0.1", port, got)
	}
}

func TestListenAddressIgnoresOtherAddresses(t *testing.T) {
	// Linux routes all of 127.0.0.0/8 to the loopback device: 127.0.0.2
	// is a local address other than 127.0.0.1 on every machine, and the
	// control run below shows packets to it arrive.
	other := netip.MustParseAddr("127.0.0.2")
	// Control: without listen_address the box answers on other, so a
	// silence below is the binding's doing and not the network's.
	t.Run("all addresses", func(t *testing.T) {
		relPriv, _ := GenerateKey()
		port := freeUDPPort(t)
		_, boxPub := upBox(t, "", port, relPriv.Public())
		rel := upRelay(t, relPriv, boxPub, netip.AddrPortFrom(other, uint16(port)))
		if got, err := ask(rel, 5*time.Second); err != nil || got != "relay true" {
			t.Fatalf("with no listen_address, a request to %s got %q, %v", other, got, err)
		}
	})
	t.Run("127.0.0.1 only", func(t *testing.T) {
		relPriv, _ := GenerateKey()
		port := freeUDPPort(t)
		box, boxPub := upBox(t, "127.0.0.1", port, relPriv.Public())
		rel := upRelay(t, relPriv, boxPub, netip.AddrPortFrom(other, uint16(port)))
		if got, err := ask(rel, 1500*time.Millisecond); err == nil {
			t.Fatalf("a box on 127.0.0.1 answered %q on %s", got, other)
		}
		st, err := box.Status()
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != 1 || !st[0].LastHandshake.IsZero() || st[0].RxBytes != 0 {
			t.Errorf("a box on 127.0.0.1 heard from a peer on %s: %+v", other, st)
		}
	})
}

// udpSockets lists the local addresses of the UDP sockets on port, from
// /proc/net/udp and /proc/net/udp6 (the kernel's own view).
func udpSockets(t *testing.T, port int) []netip.Addr {
	t.Helper()
	var out []netip.Addr
	for _, name := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(name)
		if os.IsNotExist(err) && name == "/proc/net/udp6" {
			continue // no IPv6 on this machine
		}
		if err != nil {
			t.Fatalf("the binding is checked in /proc: %v", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 {
				continue
			}
			addr, p, err := procAddrPort(fields[1])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if p == port {
				out = append(out, addr)
			}
		}
	}
	return out
}

// procAddrPort reads a /proc/net/udp{,6} local_address, "ADDR:PORT": the
// address is hex 32-bit words in host byte order, the port plain hex.
func procAddrPort(s string) (netip.Addr, int, error) {
	a, p, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(a)
	if !ok || err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.Addr{}, 0, fmt.Errorf("bad local_address %q", s)
	}
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(raw[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("bad local_address %q: %w", s, err)
	}
	addr, _ := netip.AddrFromSlice(raw)
	return addr, int(port), nil
}

func TestListenAddressConfig(t *testing.T) {
	k, _ := GenerateKey()
	peer := func(endpoint string) string {
		return fmt.Sprintf(`, "peers": [{"name": "a", "public_key": %q, "tunnel_ip": "10.0.0.2", "endpoint": %q}]`, k.Public(), endpoint)
	}
	for _, tc := range []struct{ in, want string }{
		{`"listen_address": "localhost"`, `listen_address "localhost" is not an IP address: write one of this machine's addresses, like 192.0.2.10 or 2001:db8::10, or leave it out to listen on all`},
		{`"listen_address": "192.0.2.10:51820"`, `listen_address "192.0.2.10:51820" is not an IP address: write one of this machine's addresses, like 192.0.2.10 or 2001:db8::10, or leave it out to listen on all`},
		{`"listen_address": "10.0.0.256"`, `listen_address "10.0.0.256" is not an IP address: write one of this machine's addresses, like 192.0.2.10 or 2001:db8::10, or leave it out to listen on all`},
		{`"listen_address": "::ffff:127.0.0.1"`, `listen_address ::ffff:127.0.0.1 is an IPv4-mapped IPv6 address: write it as 127.0.0.1`},
		{`"listen_address": "239.1.2.3"`, `listen_address 239.1.2.3 is a multicast address: write one of this machine's own addresses`},
		{`"listen_address": 17`, `decoding the WireGuard config: json: cannot unmarshal number into Go struct field Config.listen_address of type string`},
		{`"listen_address": "::1"` + peer("192.0.2.7:51820"), `peers[0].endpoint 192.0.2.7:51820 is IPv4 but listen_address ::1 is IPv6: a socket on one address reaches only its own family`},
		{`"listen_address": "127.0.0.1"` + peer("[2001:db8::7]:51820"), `peers[0].endpoint [2001:db8::7]:51820 is IPv6 but listen_address 127.0.0.1 is IPv4: a socket on one address reaches only its own family`},
		{`"listen_address": "127.0.0.1"` + peer("192.0.2.7:51820"), ``},
		{`"listen_address": "fe80::1%eth0"`, ``},
		{`"listen_address": "0.0.0.0"`, ``},
		{`"listen_address": ""`, ``},
	} {
		in := `{"address": "10.0.0.1", ` + tc.in + `}`
		_, err := ParseConfig([]byte(in))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ParseConfig(%s) = %q, want %q", in, got, tc.want)
		}
	}
}

func TestUpRefusesABadListenAddress(t *testing.T) {
	// A Config built by hand skips ParseConfig; Up must still not fall
	// back to every address.
	k, _ := GenerateKey()
	cfg := &Config{ListenAddress: "localhost", Address: netip.MustParseAddr("10.0.0.1"), APIPort: 80}
	if tun, err := Up(k, cfg); err == nil {
		tun.Close()
		t.Fatal("Up started a device with listen_address \"localhost\"")
	}
}
