package signer

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// progressBoard holds the requests past approval and not yet answered.
// Its zero value is ready.
type progressBoard struct {
	mu sync.Mutex
	m  map[string]progressEntry
}

type progressEntry struct {
	requester string
	p         api.Progress
}

func (b *progressBoard) set(id, requester, state string, done, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]progressEntry{}
	}
	b.m[id] = progressEntry{requester, api.Progress{ID: id, State: state, Done: done, Total: total}}
}

func (b *progressBoard) clear(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, id)
}

// get returns id's progress if requester sent it.
func (b *progressBoard) get(id, requester string) api.Progress {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.m[id]; ok && e.requester == requester {
		return e.p
	}
	return api.Progress{ID: id, State: api.ProgressNone}
}

// serveProgress answers GET /v1/progress?id=ID for the requester that
// sent ID (the same uid and process, or the same WireGuard peer); anyone
// else learns nothing.
func (s *Service) serveProgress(w http.ResponseWriter, r *http.Request) {
	peer, _ := r.Context().Value(peerKey{}).(Peer)
	id := r.URL.Query().Get("id")
	if !api.ValidID(id) {
		writeJSON(w, http.StatusBadRequest, &api.Response{Status: api.StatusError, Error: "progress needs ?id= with a request id (1 to 64 letters, digits or . _ : -)"})
		return
	}
	writeJSON(w, http.StatusOK, s.work.get(id, peer.String()))
}

// progressEvery is how often the console's progress line is redrawn at
// most during a long signing.
const progressEvery = 100 * time.Millisecond

// counting is a session that reports each signature it makes to the
// progress board and, now and then, to the console.
type counting struct {
	sess          hsm.Session
	s             *Service
	id, requester string
	done, total   int
	lastShown     time.Time
}

func (c *counting) PublicKey() ed25519.PublicKey { return c.sess.PublicKey() }

// signingLine is the console's progress line.
func signingLine(id string, done, total int) string {
	return fmt.Sprintf("request %s: signing %d of %d", id, done, total)
}

func (c *counting) Sign(ctx context.Context, hash [32]byte) ([]byte, error) {
	sig, err := c.sess.Sign(ctx, hash)
	if err != nil {
		return nil, err
	}
	c.signed(1)
	return sig, nil
}

// SignMany signs through the session's SignMany, counting as it goes.
func (c *counting) SignMany(ctx context.Context, hashes [][32]byte) ([][]byte, error) {
	base := c.done
	return c.sess.SignMany(ctx, hashes, func(done int) { c.signed(base + done - c.done) })
}

// signed counts n more signatures made.
func (c *counting) signed(n int) {
	c.done += n
	c.s.work.set(c.id, c.requester, api.ProgressSigning, c.done, c.total)
	if now := time.Now(); c.done == c.total || now.Sub(c.lastShown) >= progressEvery {
		c.lastShown = now
		c.s.notify(signingLine(c.id, c.done, c.total))
	}
}

// manySigner signs a set of digests at once (a counting session).
type manySigner interface {
	SignMany(ctx context.Context, hashes [][32]byte) ([][]byte, error)
}

// signAll signs hashes with key: at once when it can, else one by one.
// Every signature is verified by the key's backend before it is returned.
func signAll(ctx context.Context, key tka.Signer, hashes [][32]byte) ([][]byte, error) {
	if m, ok := key.(manySigner); ok {
		return m.SignMany(ctx, hashes)
	}
	return hsm.SignEach(ctx, key, hashes, nil)
}
