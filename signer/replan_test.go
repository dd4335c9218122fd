package signer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

// Two key changes sent back to back are both planned on the same head.
// The second waits while the first is approved and moves the head; when
// it reaches the console it is planned again on the new head, so the
// operator reviews what will be signed and it is signed, not refused as
// "the AUMs made differ from the ones reviewed".
func TestQueuedKeyChangeIsPlannedAgain(t *testing.T) {
	f := newFixture(t)
	f.prompt.block = make(chan struct{})
	ctx := context.Background()
	add1 := &api.Request{ID: "q-add1", Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(81).PublicKey())}
	add2 := &api.Request{ID: "q-add2", Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(82).PublicKey())}
	first, second := make(chan *api.Response, 1), make(chan *api.Response, 1)
	go func() { first <- f.svc.Handle(ctx, add1, "t") }()
	waitFor(t, "the first review", func() bool { return len(f.prompt.reviews()) == 1 })
	go func() { second <- f.svc.Handle(ctx, add2, "t") }()
	waitFor(t, "the second request to queue", func() bool { return f.svc.QueueLength() == 2 })
	close(f.prompt.block)
	r1, r2 := <-first, <-second
	if r1.Status != api.StatusSigned || r2.Status != api.StatusSigned {
		t.Fatalf("first %s %q, second %s %q; want both signed", r1.Status, r1.Error, r2.Status, r2.Error)
	}
	a1, _ := tka.ParseHexAUM(r1.AUMs[0])
	a2, _ := tka.ParseHexAUM(r2.AUMs[0])
	if parent, _ := a2.Parent(); parent != a1.Hash() {
		t.Errorf("the second AUM's parent is %v, want the first AUM %v", parent, a1.Hash())
	}
	if rv := f.prompt.reviews(); len(rv) != 2 || rv[1].Head != a1.Hash().String() {
		t.Errorf("the second review was made on head %q, want %v", rv[len(rv)-1].Head, a1.Hash())
	}
	var note bool
	f.svc.journal.Scan(func(r Record) error {
		note = note || r.RequestID == "q-add2" && r.Type == RecNote && strings.Contains(r.Detail["message"], "planned again")
		return nil
	})
	if !note {
		t.Error("the journal does not say the second request was planned again")
	}
}

// A queued request that no longer applies once the head moved (the key
// it removes was removed meanwhile) is refused before the console, with
// a "stale" decision in the journal.
func TestQueuedKeyChangeThatNoLongerAppliesIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	extra := tka.FormatTLPub(chaingen.NewKey(83).PublicKey())
	if r := f.svc.Handle(ctx, &api.Request{ID: "s-add", Kind: api.KindAddKey, Key: extra}, "t"); r.Status != api.StatusSigned {
		t.Fatalf("adding the extra key: %s %q", r.Status, r.Error)
	}
	f.prompt.mu.Lock()
	f.prompt.block = make(chan struct{})
	f.prompt.mu.Unlock()
	first, second := make(chan *api.Response, 1), make(chan *api.Response, 1)
	go func() {
		first <- f.svc.Handle(ctx, &api.Request{ID: "s-rm1", Kind: api.KindRemoveKey, Key: extra}, "t")
	}()
	waitFor(t, "the first removal's review", func() bool { return len(f.prompt.reviews()) == 2 })
	go func() {
		second <- f.svc.Handle(ctx, &api.Request{ID: "s-rm2", Kind: api.KindRemoveKey, Key: extra}, "t")
	}()
	waitFor(t, "the second removal to queue", func() bool { return f.svc.QueueLength() == 2 })
	close(f.prompt.block)
	if r := <-first; r.Status != api.StatusSigned {
		t.Fatalf("the first removal: %s %q", r.Status, r.Error)
	}
	r := <-second
	if r.Status != api.StatusDenied || !strings.Contains(r.Error, "chain moved") || len(f.prompt.reviews()) != 2 {
		t.Fatalf("the second removal: %s %q after %d reviews; want refused before the console", r.Status, r.Error, len(f.prompt.reviews()))
	}
	types := f.journalTypes(t, "s-rm2")
	if len(types) != 2 || types[0] != RecReceived || types[1] != RecDecision {
		t.Fatalf("journal for s-rm2: %v, want received, decision", types)
	}
	f.svc.journal.Scan(func(rec Record) error {
		if rec.RequestID == "s-rm2" && rec.Type == RecDecision && rec.Outcome != OutcomeStale {
			t.Errorf("decision %q, want stale", rec.Outcome)
		}
		return nil
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
