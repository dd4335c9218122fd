package signer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"syscall"
	"time"
)

// Client talks to a running daemon over its unix socket.
type Client struct {
	http *http.Client
}

// NewClient returns a client for the daemon listening on socket.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dialUnix(ctx, socket) },
	}
	return &Client{http: &http.Client{Transport: tr}}
}

// dialRetryFor bounds how long dialUnix tries again while the socket's
// accept queue is full.
const dialRetryFor = 5 * time.Second

// dialUnix connects to socket. While its accept queue is full (EAGAIN:
// someone floods it with connects) it tries again after a few random
// milliseconds, for up to dialRetryFor.
func dialUnix(ctx context.Context, socket string) (net.Conn, error) {
	var d net.Dialer
	deadline := time.Now().Add(dialRetryFor)
	for {
		c, err := d.DialContext(ctx, "unix", socket)
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

// Send posts a request and waits for the console's decision.
func (c *Client) Send(ctx context.Context, req *Request) (*Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://signet"+pathRequests, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	// A request id gets its first answer, so sending it again is safe:
	// the transport may retry on a kept-alive connection the daemon closed.
	hreq.Header.Set("Idempotency-Key", req.ID)
	// Go's transport reads 1xx responses: ask for the 102 that says the
	// request is queued (WithQueued hears it).
	hreq.Header.Set(HeaderWantQueued, "1")
	var resp Response
	if _, err := c.do(hreq, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

// statusTries is how often Status asks while the daemon answers busy
// (its connection limits are full, docs/api.md), statusRetry apart.
const (
	statusTries = 10
	statusRetry = 100 * time.Millisecond
)

// Status asks for the daemon's status. While the daemon is busy (another
// process of the same uid holds all its connections) or drops the
// connection, it asks again for about a second: reading the status is
// safe to repeat.
func (c *Client) Status(ctx context.Context) (*StatusInfo, error) {
	for try := 1; ; try++ {
		hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://signet"+pathStatus, nil)
		if err != nil {
			return nil, err
		}
		var st struct {
			StatusInfo
			Error string `json:"error"`
		}
		code, err := c.do(hreq, &st)
		if (unanswered(code, err) || err == nil && code == http.StatusServiceUnavailable) && try < statusTries && ctx.Err() == nil {
			select {
			case <-time.After(statusRetry):
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("the daemon answered %d: %s", code, st.Error)
		}
		if err != nil {
			return nil, err
		}
		return &st.StatusInfo, nil
	}
}

// unanswered reports whether the exchange failed before any answer
// arrived: the connection was closed, reset, or answered before the
// request was written (the daemon's 503 to a connection over its limits
// can arrive first, and the transport then fails with its own error).
func unanswered(code int, err error) bool { return err != nil && code == 0 }

func (c *Client) do(hreq *http.Request, out any) (int, error) {
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return 0, fmt.Errorf("cannot reach the signet daemon (is `signet serve` running, and may you use its socket?): %w", err)
	}
	defer hresp.Body.Close()
	if err := json.NewDecoder(hresp.Body).Decode(out); err != nil {
		return hresp.StatusCode, fmt.Errorf("the daemon's answer is not valid JSON: %w", err)
	}
	return hresp.StatusCode, nil
}
