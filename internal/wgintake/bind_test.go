package wgintake

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/conn"

	"github.com/signetbox/signet/internal/testenv"
)

// openBind opens an addrBind on addr and a free port, closed at cleanup.
func openBind(t *testing.T, addr string) (*addrBind, conn.ReceiveFunc, uint16) {
	t.Helper()
	b := newAddrBind(netip.MustParseAddr(addr))
	fns, port, err := b.Open(0)
	if err != nil {
		t.Fatalf("Open(0) on %s: %v", addr, err)
	}
	t.Cleanup(func() { b.Close() })
	if len(fns) != 1 || port == 0 {
		t.Fatalf("Open(0) on %s = %d functions, port %d; want 1 function and a port", addr, len(fns), port)
	}
	if got := b.uc.LocalAddr().(*net.UDPAddr).AddrPort(); got != netip.AddrPortFrom(b.addr, port) {
		t.Fatalf("the socket is bound to %s, Open reported port %d on %s", got, port, addr)
	}
	return b, fns[0], port
}

// recvOne reads one packet with fn.
func recvOne(fn conn.ReceiveFunc) (string, conn.Endpoint, error) {
	bufs, sizes, eps := [][]byte{make([]byte, 1500)}, make([]int, 1), make([]conn.Endpoint, 1)
	n, err := fn(bufs, sizes, eps)
	if err != nil {
		return "", nil, err
	}
	if n != 1 {
		return "", nil, errors.New("want one packet")
	}
	return string(bufs[0][:sizes[0]]), eps[0], nil
}

func TestAddrBindSendReceive(t *testing.T) {
	for _, addr := range []string{"127.0.0.1", "::1"} {
		t.Run(addr, func(t *testing.T) {
			if addr == "::1" && !canListen("udp6", addr) {
				// IPv6 is the host's choice, not a package the repo can
				// install; CI's machines have ::1, so there it must run.
				if testenv.InCI() {
					t.Fatal("this machine has no IPv6 loopback (::1), which CI's machines have")
				}
				t.Skip("this machine has no IPv6 loopback (::1)")
			}
			a, _, aPort := openBind(t, addr)
			_, recvB, bPort := openBind(t, addr)
			ep, err := a.ParseEndpoint(netip.AddrPortFrom(netip.MustParseAddr(addr), bPort).String())
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Send([][]byte{[]byte("ping")}, ep); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got, from, err := recvOne(recvB)
			if err != nil {
				t.Fatal(err)
			}
			want := netip.AddrPortFrom(netip.MustParseAddr(addr), aPort).String()
			if got != "ping" || from.DstToString() != want {
				t.Errorf("received %q from %s, want %q from %s", got, from.DstToString(), "ping", want)
			}
		})
	}
}

func TestAddrBindReopen(t *testing.T) {
	b, recv, port := openBind(t, "127.0.0.1")
	if _, _, err := b.Open(port); !errors.Is(err, conn.ErrBindAlreadyOpen) {
		t.Errorf("a second Open = %v, want ErrBindAlreadyOpen", err)
	}
	// A receive blocked on the socket must end with net.ErrClosed when
	// the device closes the bind, or the device's Close waits forever.
	done := make(chan error, 1)
	go func() { _, _, err := recvOne(recv); done <- err }()
	time.Sleep(50 * time.Millisecond)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("a receive during Close returned %v, want net.ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("closing a closed bind: %v", err)
	}
	ep, _ := b.ParseEndpoint("127.0.0.1:9")
	if err := b.Send([][]byte{{0}}, ep); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send on a closed bind = %v, want net.ErrClosed", err)
	}
	// The device reopens on the port it had.
	fns, got, err := b.Open(port)
	if err != nil || got != port {
		t.Fatalf("reopening port %d = port %d, %v", port, got, err)
	}
	if _, _, err := recvOne(recv); !errors.Is(err, net.ErrClosed) {
		t.Errorf("the old receive function after a reopen returned %v, want net.ErrClosed", err)
	}
	other, _, _ := openBind(t, "127.0.0.1")
	ep, _ = other.ParseEndpoint(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port).String())
	if err := other.Send([][]byte{[]byte("again")}, ep); err != nil {
		t.Fatal(err)
	}
	if msg, _, err := recvOne(fns[0]); err != nil || msg != "again" {
		t.Errorf("after a reopen received %q, %v", msg, err)
	}
}

func TestAddrBindParseEndpoint(t *testing.T) {
	b4 := newAddrBind(netip.MustParseAddr("127.0.0.1"))
	b6 := newAddrBind(netip.MustParseAddr("::1"))
	for _, tc := range []struct {
		b    *addrBind
		in   string
		want string // DstToString, or the error
	}{
		{b4, "192.0.2.7:51820", "192.0.2.7:51820"},
		{b4, "[::ffff:192.0.2.7]:51820", "192.0.2.7:51820"},
		{b6, "[2001:db8::7]:51820", "[2001:db8::7]:51820"},
		{b4, "[2001:db8::7]:51820", "endpoint [2001:db8::7]:51820 is IPv6 but the WireGuard socket is on IPv4 address 127.0.0.1"},
		{b6, "192.0.2.7:51820", "endpoint 192.0.2.7:51820 is IPv4 but the WireGuard socket is on IPv6 address ::1"},
	} {
		ep, err := tc.b.ParseEndpoint(tc.in)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = ep.DstToString()
		}
		if got != tc.want {
			t.Errorf("ParseEndpoint(%s) on %s = %q, want %q", tc.in, tc.b.addr, got, tc.want)
		}
	}
	if _, err := b4.ParseEndpoint("box:51820"); err == nil {
		t.Error("ParseEndpoint took a host name")
	}
}

func canListen(network, addr string) bool {
	c, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(addr), 0)))
	if err != nil {
		return false
	}
	c.Close()
	return true
}
