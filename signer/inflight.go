package signer

// One request ID, one review, one signature. The duplicate check on
// finished answers (Service.answers) cannot see a request that is still
// planned, queued, on the console or being signed, so an ID is reserved
// from the moment its first request passes the checks until its answer
// is known. A second request with the same ID meanwhile either waits for
// that answer (same content) or is refused at once (other content).
//
// NOTE(inflight): the review runs for everyone who asked. It ends as
// "requester went away" only when every request waiting for it has gone,
// so a client that retries with the same ID after a dropped connection
// (signet-relay does) does not see its own retry denied by the first
// connection's end.

import (
	"context"
	"fmt"
	"sync"

	"github.com/signetbox/signet/api"
)

// flight is one request ID being handled.
type flight struct {
	id string
	fp string // the fingerprint of the request that reserved the ID
	// ctx is what the review runs under: it ends when every party that
	// asked has gone.
	ctx       context.Context
	cancel    context.CancelFunc
	stopFirst func() bool // stops watching the first requester's ctx

	mu      sync.Mutex
	parties int // requests waiting for this answer, the first included

	done chan struct{} // closed once resp and err are set
	resp *api.Response
	err  error

	// queuedCh is closed once the request waits for the console
	// (queued.go); sign and already are its counts, set before.
	queuedOnce    sync.Once
	queuedCh      chan struct{}
	sign, already int
}

// markQueued wakes the parties that joined, to tell their clients the
// request is queued.
func (f *flight) markQueued(sign, already int) {
	f.queuedOnce.Do(func() {
		f.sign, f.already = sign, already
		close(f.queuedCh)
	})
}

// reserve marks id as in flight for the request with fingerprint fp; ctx
// is the first requester's. Called with s.mu held and no flight for id.
func (s *Service) reserve(ctx context.Context, id, fp string) *flight {
	if s.flights == nil {
		s.flights = map[string]*flight{}
	}
	f := &flight{id: id, fp: fp, parties: 1, done: make(chan struct{}), queuedCh: make(chan struct{})}
	f.ctx, f.cancel = context.WithCancel(context.WithoutCancel(ctx))
	f.stopFirst = context.AfterFunc(ctx, f.leave)
	s.flights[id] = f
	return f
}

// land gives the flight its answer, wakes the requests waiting for it and
// frees the ID. Whatever the answer, nothing of the reservation is left:
// an answer worth replaying is already in s.answers (decide and issue put
// it there before the flight lands), and anything else (busy, an error
// before the console, a failed signing) lets the next request with the ID
// be handled afresh.
func (s *Service) land(f *flight, resp *api.Response, err error) {
	s.mu.Lock()
	delete(s.flights, f.id)
	s.mu.Unlock()
	f.stopFirst()
	f.resp, f.err = resp, err
	close(f.done)
	f.cancel()
}

// join waits for the answer of the flight a request with fingerprint fp
// found for its ID, or for ctx to end. Other content under the same ID is
// refused at once.
func (f *flight) join(ctx context.Context, fp string) (*api.Response, error) {
	if fp != f.fp {
		return nil, fmt.Errorf("request id %q is in use right now by a different request; use a new id", f.id)
	}
	f.mu.Lock()
	f.parties++
	f.mu.Unlock()
	stop := context.AfterFunc(ctx, f.leave)
	queued := f.queuedCh
	for {
		select {
		case <-f.done:
			stop()
			return f.resp, f.err
		case <-queued:
			acknowledge(ctx, f.sign, f.already)
			queued = nil
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped waiting for the answer to request %s (reviewed for an earlier request with the same id): %w", f.id, ctx.Err())
		}
	}
}

// leave counts a party out; when none is left, the review ends.
func (f *flight) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.parties--; f.parties <= 0 {
		f.cancel()
	}
}
