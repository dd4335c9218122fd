package signer

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// progressPoll is how often SendWatching asks for progress.
const progressPoll = 500 * time.Millisecond

// Progress asks how far the daemon is with request id. The daemon
// answers only for requests this process sent (same uid and pid, or the
// same WireGuard peer); for others, and for requests queued, on the
// console or answered, State is ProgressNone.
func (c *Client) Progress(ctx context.Context, id string) (*Progress, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://signet"+pathProgress+"?id="+url.QueryEscape(id), nil)
	if err != nil {
		return nil, err
	}
	var p Progress
	code, err := c.do(hreq, &p)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("the daemon answered the progress question with HTTP %d", code)
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
