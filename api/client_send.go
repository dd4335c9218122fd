package api

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Send posts a request and waits for the console's decision. An answer
// that is a Response (refusals come as 4xx and busy as 503, each with a
// Status) is returned as it is, whatever its HTTP status; any other
// answer, or none, is an error.
func (c *Client) Send(ctx context.Context, req *Request) (*Response, error) {
	hreq, err := c.newRequest(ctx, http.MethodPost, PathRequests, req)
	if err != nil {
		return nil, err
	}
	// A request id gets its first answer, so sending it again is safe.
	hreq.Header.Set("Idempotency-Key", req.ID)
	if wantsQueued(ctx) {
		hreq.Header.Set(HeaderWantQueued, "1")
	}
	var resp Response
	code, err := c.do(hreq, &resp)
	if err != nil && (code == 0 || resp.Status == "") {
		return nil, err
	}
	return &resp, nil
}

type queuedKey struct{}

// WithQueued returns a context under which [Client.Send] asks the daemon
// to say when the request is queued (HeaderWantQueued) and calls fn
// once, when the daemon has journaled the request and queued it for the
// console. fn is never called for a request the daemon answers at once
// (already signed, refused, busy). It runs on the HTTP transport's
// goroutine while Send waits.
func WithQueued(ctx context.Context, fn func(Queued)) context.Context {
	var once sync.Once
	ctx = context.WithValue(ctx, queuedKey{}, true)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			if code != http.StatusProcessing {
				return nil
			}
			once.Do(func() {
				var q Queued
				q.Signatures, _ = strconv.Atoi(h.Get(HeaderSignatures))
				q.AlreadySigned, _ = strconv.Atoi(h.Get(HeaderAlreadySigned))
				fn(q)
			})
			return nil
		},
	})
}

func wantsQueued(ctx context.Context) bool {
	v, _ := ctx.Value(queuedKey{}).(bool)
	return v
}

// progressPoll is how often SendWatching asks for progress.
const progressPoll = 500 * time.Millisecond

// Progress asks how far the daemon is with request id. The daemon
// answers only for requests this process sent (same uid and pid, or the
// same WireGuard peer); for others, and for requests queued, on the
// console or answered, State is ProgressNone.
func (c *Client) Progress(ctx context.Context, id string) (*Progress, error) {
	var p Progress
	if err := c.call(ctx, http.MethodGet, PathProgress+"?id="+url.QueryEscape(id), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// SendWatching is Send that, while it waits for the answer, polls the
// request's progress and calls watch each time it changes. watch runs on
// a goroutine of its own, and never after SendWatching returns.
func (c *Client) SendWatching(ctx context.Context, req *Request, watch func(Progress)) (*Response, error) {
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.watchProgress(pctx, req.ID, watch)
	}()
	resp, err := c.Send(ctx, req)
	stop()
	<-done
	return resp, err
}

func (c *Client) watchProgress(ctx context.Context, id string, watch func(Progress)) {
	t := time.NewTicker(progressPoll)
	defer t.Stop()
	last := Progress{ID: id, State: ProgressNone}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p, err := c.Progress(ctx, id)
		if err != nil || ctx.Err() != nil {
			continue // an old daemon without the endpoint, or a busy one
		}
		if *p != last {
			last = *p
			watch(*p)
		}
	}
}
