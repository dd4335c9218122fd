package signer

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"sync"
)

// Queued is what the daemon says when it has queued a request for the
// console (queued.go).
type Queued struct {
	// Signatures is how many signatures the review asks for: the number
	// the console shows.
	Signatures int
	// AlreadySigned counts a batch's nodes that the box signed before;
	// they are skipped.
	AlreadySigned int
}

// WithQueued returns a context under which [Client.Send] calls fn once,
// when the daemon has journaled the request and queued it for the
// console. fn is never called for a request the daemon answers at once
// (already signed, refused, busy). It runs on the HTTP transport's
// goroutine while Send waits.
func WithQueued(ctx context.Context, fn func(Queued)) context.Context {
	var once sync.Once
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
