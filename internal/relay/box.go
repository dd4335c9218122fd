package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
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

// Box talks to the signet box's request API through the WireGuard tunnel.
type Box struct {
	base string
	hc   *http.Client
	tun  *wgintake.Tunnel
}

// NewBox returns a client for the API at addr (tunnel address and port)
// through tun.
func NewBox(tun *wgintake.Tunnel, addr netip.AddrPort) *Box {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return tun.Net().DialContextTCPAddrPort(ctx, addr)
		},
		MaxIdleConns:    4,
		IdleConnTimeout: time.Minute,
	}
	return &Box{base: "http://" + addr.String(), hc: &http.Client{Transport: tr}, tun: tun}
}

// Ask sends a request and waits for the console's decision.
func (b *Box) Ask(ctx context.Context, req *signer.Request) (*signer.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	var resp signer.Response
	if err := b.post(ctx, "/v1/requests", req, &resp); err != nil && resp.Status == "" {
		return nil, err
	}
	return &resp, nil
}

// Inform sends AUMs (hex, oldest first) seen on the tailnet.
func (b *Box) Inform(ctx context.Context, aums []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, shortCallTimeout)
	defer cancel()
	var resp signer.InformResponse
	if err := b.post(ctx, "/v1/aums", &signer.InformRequest{AUMs: aums}, &resp); err != nil {
		return "", fmt.Errorf("%w: %s", err, resp.Error)
	}
	return resp.Head, nil
}

// Delivered reports a delivery; the box journals it once.
func (b *Box) Delivered(ctx context.Context, d signer.DeliveredRequest) error {
	ctx, cancel := context.WithTimeout(ctx, quickCallTimeout)
	defer cancel()
	var resp signer.DeliveredResponse
	if err := b.post(ctx, "/v1/delivered", &d, &resp); err != nil {
		return fmt.Errorf("%w: %s", err, resp.Error)
	}
	return nil
}

// Outbox lists released results the box has not heard delivered.
func (b *Box) Outbox(ctx context.Context) (*signer.OutboxResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, quickCallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", b.base+"/v1/outbox", nil)
	if err != nil {
		return nil, err
	}
	var out signer.OutboxResponse
	if err := b.do(req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Probe reads the box's status with a short timeout. When the box does
// not answer it starts a new WireGuard handshake: a box that restarted
// has forgotten the old session, and waiting for WireGuard to notice
// takes about 15 s.
func (b *Box) Probe(ctx context.Context) (*signer.StatusInfo, error) {
	st, err := b.status(ctx, probeTimeout, "?hsm=no")
	if err != nil {
		b.hc.CloseIdleConnections()
		b.tun.Rehandshake()
	}
	return st, err
}

// Restarted drops kept-alive connections to a box process that is gone:
// its successor never answers on them.
func (b *Box) Restarted() { b.hc.CloseIdleConnections() }

// Status reads the box's authority head and keys.
func (b *Box) Status(ctx context.Context) (*signer.StatusInfo, error) {
	return b.status(ctx, shortCallTimeout, "")
}

func (b *Box) status(ctx context.Context, timeout time.Duration, query string) (*signer.StatusInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", b.base+"/v1/status"+query, nil)
	if err != nil {
		return nil, err
	}
	var st signer.StatusInfo
	if err := b.do(req, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

func (b *Box) post(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", b.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	// Every call the relay posts is safe to send again (a request id gets
	// its first answer; AUMs and deliveries are stored once), so the
	// transport may retry it on a kept-alive connection the box closed.
	req.Header.Set("Idempotency-Key", "")
	return b.do(req, out)
}

func (b *Box) do(req *http.Request, out any) error {
	resp, err := b.hc.Do(req)
	if err != nil {
		return fmt.Errorf("reaching the box: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("reading the box's answer: %w", err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the box answered %s with no JSON: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the box answered %s", resp.Status)
	}
	return nil
}
