package signer

// A client waits minutes for the console's decision, so the daemon tells
// it when its request is queued: once the request passed every check, was
// journaled "received" and waits for (or is on) the console, the daemon
// sends one informational "102 Processing" response before the final
// answer. A request answered at once (already signed, refused, busy, a
// replay) gets none, so a client says "waiting for confirmation on the
// console" only when that is true. Only a client that asks for it
// (HeaderWantQueued) gets the 102: some HTTP clients take any status line
// for the answer.

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/signetbox/signet/api"
)

type ackKey struct{}

// ack sends the 102 of one HTTP request, at most once. It is called only
// on the request's own handler goroutine.
type ack struct {
	once sync.Once
	w    http.ResponseWriter
}

// withAck lets the workflow under ctx tell the client behind w that its
// request is queued, if the client asked for it (r).
func withAck(ctx context.Context, w http.ResponseWriter, r *http.Request) context.Context {
	if r.Header.Get(api.HeaderWantQueued) != "1" {
		return ctx
	}
	return context.WithValue(ctx, ackKey{}, &ack{w: w})
}

// acknowledge tells the client of ctx, if it asked over HTTP, that its
// request is queued for the console, with sign signatures to approve and
// already nodes skipped.
func acknowledge(ctx context.Context, sign, already int) {
	a, _ := ctx.Value(ackKey{}).(*ack)
	if a == nil {
		return
	}
	a.once.Do(func() {
		// The 1xx goes to the connection's own writer: a wrapper that
		// acts on the final answer (a write deadline from its first
		// byte) must not take the 102 for it.
		w := a.w
		for {
			u, ok := w.(interface{ Unwrap() http.ResponseWriter })
			if !ok {
				break
			}
			w = u.Unwrap()
		}
		h := w.Header()
		h.Set(api.HeaderSignatures, strconv.Itoa(sign))
		if already > 0 {
			h.Set(api.HeaderAlreadySigned, strconv.Itoa(already))
		}
		w.WriteHeader(http.StatusProcessing)
		h.Del(api.HeaderSignatures)
		h.Del(api.HeaderAlreadySigned)
	})
}

// tellQueued acknowledges request id, planned as pl, to everyone waiting for
// it: the first requester (ctx) and any that joined it with the same id
// (inflight.go).
func (s *Service) tellQueued(ctx context.Context, id string, pl *plan) {
	sign, already := pl.counts()
	acknowledge(ctx, sign, already)
	s.mu.Lock()
	f := s.flights[id]
	s.mu.Unlock()
	if f != nil {
		f.markQueued(sign, already)
	}
}

// counts is how many signatures pl asks for and, for a batch, how many
// nodes it skips as already signed: the numbers its review shows.
func (pl *plan) counts() (sign, already int) {
	already, _ = strconv.Atoi(pl.detail[DetailAlreadySigned])
	return pl.signatures, already
}
