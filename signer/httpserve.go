package signer

import (
	"context"
	"net"
	"time"

	"github.com/signetbox/signet/internal/httpserve"
)

// Limits are the connection, size and time limits of one API listener.
// The unix socket and the WireGuard intake are built by the same code
// (serveAPI) with their own Limits; docs/api.md lists both.
type Limits struct {
	// PerPeer is how many connections one peer (a uid on the socket, a
	// WireGuard peer in the tunnel) may hold open for any request.
	PerPeer int
	// StatusOnly is how many more connections a peer at PerPeer may
	// open, each to read GET /v1/status only: the operator's `signet
	// status` gets through while its own uid holds PerPeer connections.
	StatusOnly int
	// Total caps the listener's open connections.
	Total int
	// Reserved of Total are kept for privileged peers (root and the
	// daemon's own uid on the socket).
	Reserved int
	// HeaderTimeout bounds the request line and headers, BodyTimeout
	// the body, IdleTimeout a kept-alive connection between requests,
	// and WriteTimeout writing one answer.
	HeaderTimeout, BodyTimeout, IdleTimeout, WriteTimeout time.Duration
	// MaxHeaderBytes caps the request line and headers.
	MaxHeaderBytes int
	// BodyBudget caps the bytes of request bodies being received at
	// once on the listener, PeerBodyBudget those of one peer.
	BodyBudget, PeerBodyBudget int64
}

// UnixLimits are the unix socket's limits. The socket serves a few
// people at a shell and their scripts; one of them may have the whole
// console queue waiting (16, and one under review), each request on its
// own connection.
var UnixLimits = Limits{
	PerPeer: 32, StatusOnly: 2, Total: 256, Reserved: 32,
	HeaderTimeout: 5 * time.Second, BodyTimeout: 10 * time.Second,
	IdleTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
	MaxHeaderBytes: 16 << 10,
	BodyBudget:     32 << 20, PeerBodyBudget: 8 << 20,
}

// NetLimits are the WireGuard intake's limits. Its peers are relays,
// authenticated by WireGuard, which keep a handful of connections alive
// and may be far away; a connection in the tunnel takes no descriptor.
var NetLimits = Limits{
	PerPeer: 64, StatusOnly: 2, Total: 256, Reserved: 0,
	HeaderTimeout: 10 * time.Second, BodyTimeout: 60 * time.Second,
	IdleTimeout: 2 * time.Minute, WriteTimeout: 60 * time.Second,
	MaxHeaderBytes: 16 << 10,
	BodyBudget:     32 << 20, PeerBodyBudget: 16 << 20,
}

// serveAPI serves s's API on l with limits lim until ctx is done. peerOf
// names each accepted connection's peer; ok false closes it unanswered.
func (s *Service) serveAPI(ctx context.Context, l net.Listener, lim Limits, peerOf func(net.Conn) (Peer, bool)) error {
	tr := newConnTracker(l, lim, peerOf)
	srv := httpserve.New(s.guard(lim, tr, s.Handler()), httpserve.Config{
		HeaderTimeout:  lim.HeaderTimeout,
		IdleTimeout:    lim.IdleTimeout,
		MaxHeaderBytes: lim.MaxHeaderBytes,
		// The answers say what went wrong; the server's own log would go
		// to the console's stderr.
		Quiet: true,
	})
	srv.ConnState = tr.setState
	srv.ConnContext = func(c context.Context, conn net.Conn) context.Context {
		tc, _ := conn.(*trackedConn)
		if tc == nil {
			return c
		}
		return context.WithValue(context.WithValue(c, peerKey{}, tc.peer), connKey{}, tc)
	}
	return httpserve.Serve(ctx, srv, tr)
}
