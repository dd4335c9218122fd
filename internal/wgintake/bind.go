package wgintake

// This file is a WireGuard socket (a conn.Bind) on one local IP address.
// wireguard-go's default bind listens on every address, IPv4 and IPv6;
// an operator who sets listen_address wants the port open on that
// address alone.

import (
	"fmt"
	"net"
	"net/netip"
	"sync"

	"golang.zx2c4.com/wireguard/conn"
)

// addrBind is a conn.Bind with one UDP socket on addr: udp4 for an IPv4
// address, udp6 for an IPv6 one. It reads one packet at a time.
type addrBind struct {
	addr netip.Addr

	mu sync.Mutex
	uc *net.UDPConn // nil while closed
}

var _ conn.Bind = (*addrBind)(nil)

func newAddrBind(addr netip.Addr) *addrBind { return &addrBind{addr: addr} }

// network is the socket's family.
func (b *addrBind) network() string {
	if b.addr.Is4() {
		return "udp4"
	}
	return "udp6"
}

// Open binds addr and port (0: a free port) and reports the port bound.
// The device closes and reopens the bind when its port changes.
func (b *addrBind) Open(port uint16) ([]conn.ReceiveFunc, uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.uc != nil {
		return nil, 0, conn.ErrBindAlreadyOpen
	}
	ap := netip.AddrPortFrom(b.addr, port)
	uc, err := net.ListenUDP(b.network(), net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return nil, 0, fmt.Errorf("listening on UDP %s (is listen_address one of this machine's addresses, and the port free?): %w", ap, err)
	}
	b.uc = uc
	return []conn.ReceiveFunc{receiveFrom(uc)}, uint16(uc.LocalAddr().(*net.UDPAddr).Port), nil
}

// receiveFrom reads from uc only, so a receive function of an earlier
// Open returns net.ErrClosed once that socket is closed, even if the
// bind has been reopened since.
func receiveFrom(uc *net.UDPConn) conn.ReceiveFunc {
	return func(packets [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		n, src, err := uc.ReadFromUDPAddrPort(packets[0])
		if err != nil {
			return 0, err
		}
		sizes[0] = n
		eps[0] = endpoint(netip.AddrPortFrom(src.Addr().Unmap(), src.Port()))
		return 1, nil
	}
}

// Close closes the socket; closing a closed bind does nothing.
func (b *addrBind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.uc == nil {
		return nil
	}
	err := b.uc.Close()
	b.uc = nil
	return err
}

// SetMark does nothing: the intake sets no firewall mark.
func (b *addrBind) SetMark(uint32) error { return nil }

// Send writes each of bufs to ep.
func (b *addrBind) Send(bufs [][]byte, ep conn.Endpoint) error {
	dst, ok := ep.(endpoint)
	if !ok {
		return conn.ErrWrongEndpointType
	}
	b.mu.Lock()
	uc := b.uc
	b.mu.Unlock()
	if uc == nil {
		return net.ErrClosed
	}
	for _, buf := range bufs {
		if _, err := uc.WriteToUDPAddrPort(buf, netip.AddrPort(dst)); err != nil {
			return err
		}
	}
	return nil
}

// ParseEndpoint reads "ip:port". The address must be of the socket's
// family: a socket on one address reaches no peer of the other.
func (b *addrBind) ParseEndpoint(s string) (conn.Endpoint, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return nil, err
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if ap.Addr().Is4() != b.addr.Is4() {
		return nil, fmt.Errorf("endpoint %s is %s but the WireGuard socket is on %s address %s", ap, family(ap.Addr()), family(b.addr), b.addr)
	}
	return endpoint(ap), nil
}

// BatchSize is 1: Open's receive function reads one packet per call.
func (b *addrBind) BatchSize() int { return 1 }

// family names addr's address family.
func family(addr netip.Addr) string {
	if addr.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// endpoint is a peer's address. The socket has one local address, so
// there is no source address to remember.
type endpoint netip.AddrPort

func (e endpoint) ClearSrc()           {}
func (e endpoint) SrcToString() string { return "" }
func (e endpoint) DstToString() string { return netip.AddrPort(e).String() }
func (e endpoint) DstIP() netip.Addr   { return netip.AddrPort(e).Addr() }
func (e endpoint) SrcIP() netip.Addr   { return netip.Addr{} }

// DstToBytes is the address in the form WireGuard's cookies are keyed on.
func (e endpoint) DstToBytes() []byte {
	b, _ := netip.AddrPort(e).MarshalBinary()
	return b
}
