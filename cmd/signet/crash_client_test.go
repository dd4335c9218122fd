package main

// The crash soak's clients: they send sign-node requests, batches and
// add-key/remove-key pairs of throw-away keys over the unix socket, resend
// unanswered (and some answered) ids, and keep every answer they got.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/tka"
)

// crashGate holds the clients back while the daemon is down.
type crashGate struct {
	mu    sync.Mutex
	open  bool
	ch    chan struct{} // closed while open
	epoch int           // counts openings
}

func newCrashGate() *crashGate { return &crashGate{ch: make(chan struct{})} }

func (g *crashGate) set(open bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case open && !g.open:
		close(g.ch)
		g.epoch++
	case !open && g.open:
		g.ch = make(chan struct{})
	}
	g.open = open
}

// wait blocks until the gate is open and returns its epoch; false when
// ctx is done.
func (g *crashGate) wait(ctx context.Context) (int, bool) {
	g.mu.Lock()
	ch, epoch := g.ch, g.epoch
	g.mu.Unlock()
	select {
	case <-ch:
		return epoch, true
	case <-ctx.Done():
		return 0, false
	}
}

// waitNext waits until the gate opened after epoch, or ctx is done.
func (g *crashGate) waitNext(ctx context.Context, epoch int) {
	for ctx.Err() == nil {
		g.mu.Lock()
		e := g.epoch
		g.mu.Unlock()
		if e != epoch {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// crashLog is every request sent and every answer received.
type crashLog struct {
	mu                   sync.Mutex
	reqs                 map[string]*api.Request
	order                []string
	answers              map[string][]*api.Response
	added                []string        // throw-away keys added and not yet sent for removal
	addedSet             map[string]bool // every throw-away key whose add-key was signed
	sends, resends, lost int
	status               map[api.Status]int
	errors               map[string]int // error answers by message
}

func newCrashLog() *crashLog {
	return &crashLog{reqs: map[string]*api.Request{}, answers: map[string][]*api.Response{},
		addedSet: map[string]bool{}, status: map[api.Status]int{}, errors: map[string]int{}}
}

// send sends req and records the answer; a transport error (the daemon
// was killed) leaves the id unanswered.
func (l *crashLog) send(ctx context.Context, c *api.Client, req *api.Request) *api.Response {
	l.mu.Lock()
	if _, ok := l.reqs[req.ID]; ok {
		l.resends++
	} else {
		l.reqs[req.ID] = req
		l.order = append(l.order, req.ID)
	}
	l.sends++
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := c.Send(ctx, req)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.lost++
		return nil
	}
	l.status[resp.Status]++
	if resp.Status == api.StatusError {
		l.errors[errorKind(resp.Error)]++
	}
	l.answers[req.ID] = append(l.answers[req.ID], resp)
	if req.Kind == api.KindAddKey && resp.Status == api.StatusSigned && !l.addedSet[req.Key] {
		l.addedSet[req.Key] = true
		l.added = append(l.added, req.Key)
	}
	return resp
}

// final reports whether resp ends a request for good.
func final(resp *api.Response) bool {
	switch resp.Status {
	case api.StatusSigned, api.StatusAlreadySigned, api.StatusDenied:
		return true
	}
	return false
}

// unanswered lists the requests with no final answer yet, oldest first.
func (l *crashLog) unanswered() []*api.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*api.Request
	for _, id := range l.order {
		if !slices.ContainsFunc(l.answers[id], final) {
			out = append(out, l.reqs[id])
		}
	}
	return out
}

// pick returns a random earlier request: unanswered ones when unanswered
// is set, else answered ones.
func (l *crashLog) pick(rng *mrand.Rand, unanswered bool) *api.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range 8 {
		if len(l.order) == 0 {
			return nil
		}
		id := l.order[len(l.order)-1-rng.IntN(min(len(l.order), 50))]
		if slices.ContainsFunc(l.answers[id], final) != unanswered {
			return l.reqs[id]
		}
	}
	return nil
}

// takeAdded pops a throw-away key to remove.
func (l *crashLog) takeAdded() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.added) == 0 {
		return ""
	}
	k := l.added[0]
	l.added = l.added[1:]
	return k
}

func (l *crashLog) stats() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("%d distinct requests, %d sends (%d resends), %d lost to a kill, answers %v, errors %v",
		len(l.order), l.sends, l.resends, l.lost, l.status, l.errors)
}

// errorKind shortens an error answer to its first words, for counting.
func errorKind(msg string) string {
	if i := strings.Index(msg, "requests in a minute"); i >= 0 {
		return "rate limit: " + msg[i:]
	}
	if w := strings.Fields(msg); len(w) > 12 {
		msg = strings.Join(w[:12], " ")
	}
	return msg
}

// client sends requests whenever the gate is open until ctx is done.
func (r *crashRig) client(ctx context.Context, seed uint64, n int) {
	rng := mrand.New(mrand.NewPCG(seed, 2))
	var c *api.Client
	epoch := -1
	for seq := 0; ; seq++ {
		e, ok := r.gate.wait(ctx)
		if !ok {
			return
		}
		if e != epoch {
			c, epoch = api.NewUnixClient(r.sock), e
		}
		req := r.nextRequest(rng, fmt.Sprintf("c%d-%d", n, seq))
		resp := r.log.send(ctx, c, req)
		if resp != nil && resp.Status == api.StatusError && strings.Contains(resp.Error, "requests in a minute") {
			r.gate.waitNext(ctx, e) // the rate resets when the daemon restarts
		}
	}
}

// nextRequest chooses what to send: mostly new sign-node requests, some
// batches, a few add-key/remove-key of throw-away keys, and resends.
func (r *crashRig) nextRequest(rng *mrand.Rand, id string) *api.Request {
	p := rng.Float64()
	if p < 0.15 {
		if req := r.log.pick(rng, p < 0.10); req != nil {
			return req
		}
	}
	switch {
	case p < 0.27:
		nodes := make([]api.BatchNode, 5+rng.IntN(16))
		for i := range nodes {
			nodes[i] = api.BatchNode{NodeKey: randomNodeKey(), Claims: map[string]string{"device": fmt.Sprintf("%s-%d", id, i)}}
		}
		return &api.Request{ID: id, Kind: api.KindBatch, Nodes: nodes}
	case p < 0.32:
		if rng.IntN(2) == 0 {
			if k := r.log.takeAdded(); k != "" {
				return &api.Request{ID: id, Kind: api.KindRemoveKey, Key: k}
			}
		}
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return &api.Request{ID: id, Kind: api.KindAddKey, Key: tka.FormatTLPub(pub), Votes: 1}
	}
	return &api.Request{ID: id, Kind: api.KindSignNode, NodeKey: randomNodeKey(), Claims: map[string]string{"device": id}}
}

func randomNodeKey() string {
	var nk tka.NodeKey
	rand.Read(nk[:])
	return nk.String()
}
