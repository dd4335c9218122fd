package relay

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/wgintake"
)

// Timeouts of the calls to the box. A box killed mid-call never answers
// over the tunnel (no reset comes back), so every call is bounded. Calls
// that are safe to repeat and quick on the box (the probe, the outbox, a
// delivery report, which the box journals once however often it comes)
// get a few seconds, so a dead box holds the relay up briefly; passing
// AUMs on (up to 1,000 verified at once) gets longer; a request waits for
// the operator at the console.
const (
	probeTimeout     = 3 * time.Second
	quickCallTimeout = 5 * time.Second
	shortCallTimeout = 30 * time.Second
	askTimeout       = 5 * time.Minute
)

// Box is the relay's view of the signet box: the API client through the
// WireGuard tunnel, with the relay's timeouts on each call.
type Box struct {
	c   *api.Client
	tun *wgintake.Tunnel
}

// NewBox returns a client for the API at addr (tunnel address and port)
// through tun.
func NewBox(tun *wgintake.Tunnel, addr netip.AddrPort) *Box {
	dial := func(ctx context.Context) (net.Conn, error) { return tun.Net().DialContextTCPAddrPort(ctx, addr) }
	c := api.NewClient(dial, api.Options{
		Server: "the box", Unreachable: "reaching the box", Host: addr.String(),
		MaxIdleConns: 4, IdleConnTimeout: time.Minute,
	})
	return &Box{c: c, tun: tun}
}

// Ask sends a request and waits for the console's decision.
func (b *Box) Ask(ctx context.Context, req *api.Request) (*api.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	return b.c.Send(ctx, req)
}

// Inform sends AUMs (hex, oldest first) seen on the tailnet.
func (b *Box) Inform(ctx context.Context, aums []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, shortCallTimeout)
	defer cancel()
	return b.c.Inform(ctx, aums)
}

// Delivered reports a delivery; the box journals it once.
func (b *Box) Delivered(ctx context.Context, d api.DeliveredRequest) error {
	ctx, cancel := context.WithTimeout(ctx, quickCallTimeout)
	defer cancel()
	_, err := b.c.Delivered(ctx, d)
	return err
}

// Outbox lists released results the box has not heard delivered.
func (b *Box) Outbox(ctx context.Context) (*api.OutboxResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, quickCallTimeout)
	defer cancel()
	return b.c.Outbox(ctx, 0)
}

// Probe reads the box's status with a short timeout. When the box does
// not answer it starts a new WireGuard handshake: a box that restarted
// has forgotten the old session, and waiting for WireGuard to notice
// takes about 15 s.
func (b *Box) Probe(ctx context.Context) (*api.StatusInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	st, err := b.c.StatusWithoutHSM(ctx)
	if err != nil {
		b.c.CloseIdleConnections()
		b.tun.Rehandshake()
	}
	return st, err
}

// Restarted drops kept-alive connections to a box process that is gone:
// its successor never answers on them.
func (b *Box) Restarted() { b.c.CloseIdleConnections() }

// Status reads the box's authority head and keys.
func (b *Box) Status(ctx context.Context) (*api.StatusInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, shortCallTimeout)
	defer cancel()
	return b.c.Status(ctx)
}
