package api

import (
	"context"
	"net/http"
	"time"
)

// statusTries is how often Status asks while the daemon answers busy
// (its connection limits are full, docs/api.md), statusRetry apart.
const (
	statusTries = 10
	statusRetry = 100 * time.Millisecond
)

// Status asks for the daemon's status, with its key device's state.
// While the daemon is busy (another process of the same uid holds all
// its connections) or drops the connection, it asks again for about a
// second: reading the status is safe to repeat.
func (c *Client) Status(ctx context.Context) (*StatusInfo, error) {
	return c.status(ctx, PathStatus)
}

// StatusWithoutHSM is Status without the key device's state (?hsm=no):
// a relay polls often, and reading the device would compete with
// signing on it.
func (c *Client) StatusWithoutHSM(ctx context.Context) (*StatusInfo, error) {
	return c.status(ctx, PathStatus+"?hsm=no")
}

func (c *Client) status(ctx context.Context, path string) (*StatusInfo, error) {
	for try := 1; ; try++ {
		hreq, err := c.newRequest(ctx, http.MethodGet, path, nil)
		if err != nil {
			return nil, err
		}
		var st StatusInfo
		code, err := c.do(hreq, &st)
		if (unanswered(code, err) || code == http.StatusServiceUnavailable) && try < statusTries && ctx.Err() == nil {
			select {
			case <-time.After(statusRetry):
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if err != nil {
			return nil, err
		}
		return &st, nil
	}
}
