package wgintake

import "golang.zx2c4.com/wireguard/device"

// Rehandshake drops the sessions with every peer that has an endpoint and
// starts a new handshake with each at once.
//
// A peer that restarted has forgotten the session; WireGuard alone notices
// only when a sent packet has had no answer for its keepalive and rekey
// timeouts (about 15 s). A relay that sees the box stop answering calls
// this and is through again one round trip after the box is back. Peers
// without an endpoint are left alone: they must handshake with us.
func (t *Tunnel) Rehandshake() {
	for _, p := range t.cfg.Peers {
		if p.Endpoint == "" {
			continue
		}
		peer := t.dev.LookupPeer(device.NoisePublicKey(p.key))
		if peer == nil {
			continue
		}
		peer.ExpireCurrentKeypairs()
		_ = peer.SendHandshakeInitiation(false) // a failed send is retried by WireGuard's own timers
	}
}
