package api

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"syscall"
	"time"
)

// dialRetryFor bounds how long a UnixDialer tries again while the
// socket's accept queue is full.
const dialRetryFor = 5 * time.Second

// UnixDialer connects to the unix socket at path. While its accept queue
// is full (EAGAIN: someone floods it with connects) it tries again after
// a few random milliseconds, for up to dialRetryFor.
func UnixDialer(path string) Dialer {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		deadline := time.Now().Add(dialRetryFor)
		for {
			c, err := d.DialContext(ctx, "unix", path)
			if err == nil || !errors.Is(err, syscall.EAGAIN) || time.Now().After(deadline) {
				return c, err
			}
			select {
			case <-time.After(time.Duration(1+rand.IntN(10)) * time.Millisecond):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
}
