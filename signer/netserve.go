package signer

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// PeerNamer names the network peer at a remote address; ok is false for
// an address no configured peer owns.
type PeerNamer func(remote net.Addr) (name string, ok bool)

// ServeNet serves the API on a network listener (the WireGuard intake)
// until ctx is done. Each connection is labelled "wireguard:NAME" with the
// name peerOf gives its remote address; connections peerOf does not know
// are closed unanswered.
//
// NOTE: the label is only as good as peerOf. For the WireGuard intake it
// is: WireGuard admits a packet only from a configured key and only with
// an inner source address allowed for that key.
func (s *Service) ServeNet(ctx context.Context, l net.Listener, peerOf PeerNamer) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
		IdleTimeout:       2 * time.Minute,
		ConnContext: func(c context.Context, conn net.Conn) context.Context {
			name, _ := peerOf(conn.RemoteAddr())
			return context.WithValue(c, peerKey{}, Peer{UID: -1, PID: -1, Name: "wireguard:" + name})
		},
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err := srv.Serve(knownPeers{l, peerOf})
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// knownPeers drops connections from addresses no peer owns.
type knownPeers struct {
	net.Listener
	peerOf PeerNamer
}

func (k knownPeers) Accept() (net.Conn, error) {
	for {
		c, err := k.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if _, ok := k.peerOf(c.RemoteAddr()); ok {
			return c, nil
		}
		c.Close()
	}
}
