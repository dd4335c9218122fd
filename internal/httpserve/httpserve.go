// Package httpserve builds and runs signet's HTTP servers (the API's
// listeners in signer, the relay's metrics) one way, with the limits as
// parameters.
package httpserve

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// Config is what differs between the servers.
type Config struct {
	// HeaderTimeout bounds the request line and headers; IdleTimeout a
	// kept-alive connection between requests (0: no limit).
	HeaderTimeout, IdleTimeout time.Duration
	// MaxHeaderBytes caps the request line and headers (0: net/http's
	// default, 1 MiB).
	MaxHeaderBytes int
	// Quiet drops net/http's own log lines (TLS noise, accept errors):
	// the daemon's stderr is the console's.
	Quiet bool
}

// New returns a server of h within c.
func New(h http.Handler, c Config) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.HeaderTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    c.MaxHeaderBytes,
	}
	if c.Quiet {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	return srv
}

// shutdownGrace is how long Serve lets calls in flight finish once ctx
// is done.
const shutdownGrace = 5 * time.Second

// Serve serves srv on l until ctx is done, then shuts it down, giving
// calls in flight shutdownGrace to finish. It returns nil once shut
// down, or the error that stopped it before.
func Serve(ctx context.Context, srv *http.Server, l net.Listener) error {
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
