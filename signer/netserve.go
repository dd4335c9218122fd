package signer

import (
	"context"
	"net"

	"github.com/signetbox/signet/api"
)

// PeerNamer names the network peer at a remote address; ok is false for
// an address no configured peer owns.
type PeerNamer func(remote net.Addr) (name string, ok bool)

// ServeNet serves the API on a network listener (the WireGuard intake)
// until ctx is done, within NetLimits. Each connection is labelled
// "wireguard:NAME" with the name peerOf gives its remote address;
// connections peerOf does not know are closed unanswered.
//
// NOTE: the label is only as good as peerOf. For the WireGuard intake it
// is: WireGuard admits a packet only from a configured key and only with
// an inner source address allowed for that key.
func (s *Service) ServeNet(ctx context.Context, l net.Listener, peerOf PeerNamer) error {
	return s.ServeNetWith(ctx, l, peerOf, NetLimits)
}

// ServeNetWith is ServeNet with other limits (tests shorten them).
func (s *Service) ServeNetWith(ctx context.Context, l net.Listener, peerOf PeerNamer, lim Limits) error {
	return s.serveAPI(ctx, l, lim, func(c net.Conn) (Peer, bool) {
		name, ok := peerOf(c.RemoteAddr())
		return Peer{UID: -1, PID: -1, Name: api.WireGuardRequester(name)}, ok
	})
}
