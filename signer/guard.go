package signer

// The guard runs before every handler of an API listener: it keeps a
// status-only connection to GET /v1/status, and reads the whole body
// within Limits.BodyTimeout and the listener's body budget, so a peer that
// sends a body slowly, or never finishes it, holds neither a connection
// nor memory for long.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/signetbox/signet/api"
)

// bodyChunk is how much body memory is booked at a time when the length
// is not announced.
const bodyChunk = 32 << 10

// guard wraps h with the checks above; maxBody is the largest body any
// handler takes.
func (s *Service) guard(lim Limits, t *connTracker, h http.Handler) http.Handler {
	maxBody := s.policy.MaxBody
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tc, _ := r.Context().Value(connKey{}).(*trackedConn)
		if tc != nil && tc.statusOnly && !(r.Method == http.MethodGet && r.URL.Path == api.PathStatus) {
			w.Header().Set("Connection", "close")
			writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("too many connections from %s: this one may only read %s; close some and try again", tc.key, api.PathStatus))
			return
		}
		body, code, err := t.readBody(w, r, tc, lim, maxBody)
		if err != nil {
			w.Header().Set("Connection", "close")
			writeError(w, code, err.Error())
			return
		}
		r.Body = &dropReader{b: body}
		h.ServeHTTP(&deadlineWriter{ResponseWriter: w, d: lim.WriteTimeout}, r)
	})
}

// deadlineWriter gives each answer lim.WriteTimeout to be written, from
// its first byte: a peer that does not read its answer lets go of the
// connection then. (http.Server.WriteTimeout would instead count from the
// request, and cut off an answer that waited for the console.)
type deadlineWriter struct {
	http.ResponseWriter
	d     time.Duration
	armed bool
}

func (w *deadlineWriter) arm() {
	if !w.armed {
		w.armed = true
		_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Now().Add(w.d))
	}
}

func (w *deadlineWriter) WriteHeader(code int) { w.arm(); w.ResponseWriter.WriteHeader(code) }

func (w *deadlineWriter) Write(b []byte) (int, error) { w.arm(); return w.ResponseWriter.Write(b) }

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// readBody reads r's body whole, within lim.BodyTimeout and the body
// budgets, and clears the read deadline again (a request then waits for
// the console with no deadline). code is the HTTP status for err.
func (t *connTracker) readBody(w http.ResponseWriter, r *http.Request, tc *trackedConn, lim Limits, maxBody int64) (body []byte, code int, err error) {
	if r.ContentLength > maxBody {
		return nil, http.StatusRequestEntityTooLarge, tooLarge(maxBody)
	}
	if r.ContentLength == 0 {
		return nil, 0, nil
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(lim.BodyTimeout))
	defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	var booked int64
	defer func() { t.unbook(tc, booked) }()
	grow := func(n int64) error {
		if !t.book(tc, n, lim) {
			return errBodyBudget
		}
		booked += n
		return nil
	}
	if r.ContentLength > 0 {
		if err := grow(r.ContentLength); err != nil {
			return nil, http.StatusServiceUnavailable, err
		}
		body = make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, bodyErrCode(err), bodyErr(err, lim)
		}
		return body, 0, nil
	}
	for {
		if len(body) == cap(body) {
			n := min(max(int64(cap(body)), bodyChunk), maxBody+1-int64(cap(body)))
			if n <= 0 {
				return nil, http.StatusRequestEntityTooLarge, tooLarge(maxBody)
			}
			if err := grow(n); err != nil {
				return nil, http.StatusServiceUnavailable, err
			}
			body = append(make([]byte, 0, int64(cap(body))+n), body...)
		}
		m, err := r.Body.Read(body[len(body):cap(body)])
		body = body[:len(body)+m]
		if errors.Is(err, io.EOF) {
			if int64(len(body)) > maxBody {
				return nil, http.StatusRequestEntityTooLarge, tooLarge(maxBody)
			}
			return body, 0, nil
		}
		if err != nil {
			return nil, bodyErrCode(err), bodyErr(err, lim)
		}
	}
}

var errBodyBudget = errors.New("the box is receiving too many large requests at once; try again in a moment")

func tooLarge(max int64) error {
	return fmt.Errorf("the request is larger than the %d-byte limit; split a batch into smaller ones", max)
}

func bodyErr(err error, lim Limits) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("the request body did not arrive within %v; send it at once", lim.BodyTimeout)
	}
	return fmt.Errorf("reading the request body: %w", err)
}

func bodyErrCode(err error) int {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}

// book reserves n bytes of body memory for tc's peer; false when the
// listener's or the peer's budget would be exceeded.
func (t *connTracker) book(tc *trackedConn, n int64, lim Limits) bool {
	if tc == nil {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.peers[tc.key]
	if p == nil || t.body+n > lim.BodyBudget || p.body+n > lim.PeerBodyBudget {
		return false
	}
	t.body += n
	p.body += n
	return true
}

func (t *connTracker) unbook(tc *trackedConn, n int64) {
	if tc == nil || n == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.body -= n
	if p := t.peers[tc.key]; p != nil {
		p.body -= n
		if len(p.conns) == 0 && p.body == 0 {
			delete(t.peers, tc.key)
		}
	}
}

// dropReader reads a body read in advance and lets go of it at the end,
// so a request waiting for the console does not keep its raw bytes.
type dropReader struct{ b []byte }

func (d *dropReader) Read(p []byte) (int, error) {
	if len(d.b) == 0 {
		d.b = nil
		return 0, io.EOF
	}
	n := copy(p, d.b)
	d.b = d.b[n:]
	return n, nil
}

func (d *dropReader) Close() error { d.b = nil; return nil }

// writeError answers with {"status", "error"}, the shape every
// endpoint's error answer shares: status is "busy" for 503 (try again
// later) and "error" otherwise.
func writeError(w http.ResponseWriter, code int, msg string) {
	st := api.StatusError
	if code == http.StatusServiceUnavailable {
		st = api.StatusBusy
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, code, map[string]string{"status": string(st), "error": msg})
}
