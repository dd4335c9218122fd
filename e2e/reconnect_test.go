package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/wgintake"
)

// After the box's WireGuard device restarts (a restarted `signet serve`
// forgets every session), the relay's probe notices the silence and
// starts a new handshake at once, so the box answers again on the next
// probe or the one after. Left to itself WireGuard makes a new session
// only after its keepalive and rekey timeouts; the same restart is timed
// with plain calls too, for comparison.
func TestRelayReconnectsAfterBoxRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	console := &scriptedConsole{}
	relayPriv, _ := wgintake.GenerateKey()
	b := startBox(t, ctx, dir, softKey(t, dir, console), console, nil, relayPriv.Public())
	rb := relayTunnel(t, relayPriv, b.pub, b.port)
	peers := `{"name": "relay", "public_key": "` + relayPriv.Public().String() + `", "tunnel_ip": "10.77.0.2"}`
	if _, err := rb.Status(ctx); err != nil {
		t.Fatalf("the box does not answer before the restart: %v", err)
	}

	// Plain calls: no new handshake until WireGuard's own timers fire.
	b.intake(t, ctx, peers)
	t0 := time.Now()
	for {
		if _, err := rb.Status(ctx); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the box never answered plain calls after its restart")
		}
	}
	plain := time.Since(t0)

	// Probes: the first one after the restart fails and starts a handshake.
	b.intake(t, ctx, peers)
	t0 = time.Now()
	probes := 0
	for {
		probes++
		if _, err := rb.Probe(ctx); err == nil {
			break
		}
		if probes == 3 {
			t.Fatalf("the box still does not answer after %d probes (%v) following its restart", probes, time.Since(t0))
		}
	}
	probed := time.Since(t0)
	t.Logf("FIGURE e2e_reconnect_plain %.2f s", plain.Seconds())
	t.Logf("FIGURE e2e_reconnect_probe %.2f s (%d probes)", probed.Seconds(), probes)
	t.Logf("RATIO reconnect plain/probe %.1f", plain.Seconds()/probed.Seconds())
}
