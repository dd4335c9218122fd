package signer

import (
	"context"
	"slices"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

// outboxIDs lists the outbox as "id" or "id node" strings, oldest first.
func outboxIDs(s *Service) []string {
	items, _ := s.Outbox(0)
	var out []string
	for _, it := range items {
		if it.NodeKey != "" {
			out = append(out, it.ID+" "+it.NodeKey)
		} else {
			out = append(out, it.ID)
		}
	}
	return out
}

// Released results wait in the outbox, in release order, until reported
// delivered; the outbox is rebuilt from the journal after a restart, and
// a delivered result never comes back.
func TestOutbox(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	nk := nodeKey(7).String()
	if r := f.svc.Handle(ctx, &api.Request{ID: "s1", Kind: api.KindSignNode, NodeKey: nk}, "t"); r.Status != api.StatusSigned {
		t.Fatalf("sign: %s %s", r.Status, r.Error)
	}
	add := f.svc.Handle(ctx, &api.Request{ID: "a1", Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(77).PublicKey())}, "t")
	if add.Status != api.StatusSigned {
		t.Fatalf("add-key: %s %s", add.Status, add.Error)
	}
	want := []string{"s1 " + nk, "a1"}
	if got := outboxIDs(f.svc); !slices.Equal(got, want) {
		t.Fatalf("outbox %q, want %q", got, want)
	}
	items, _ := f.svc.Outbox(0)
	if items[0].Signature == "" || !slices.Equal(items[1].AUMs, add.AUMs) {
		t.Fatalf("outbox items lack their results: %+v", items)
	}
	if got := outboxIDs(f.restart(t)); !slices.Equal(got, want) {
		t.Fatalf("after a restart the outbox is %q, want %q", got, want)
	}
	if _, err := f.svc.Delivered(api.DeliveredRequest{ID: "a1", Via: "test"}, "wireguard:relay"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Delivered(api.DeliveredRequest{ID: "s1", NodeKey: nk, Via: "test"}, "wireguard:relay"); err != nil {
		t.Fatal(err)
	}
	if got := outboxIDs(f.svc); len(got) != 0 {
		t.Fatalf("outbox after delivery: %q", got)
	}
	again := f.restart(t)
	if got := outboxIDs(again); len(got) != 0 {
		t.Fatalf("outbox after delivery and a restart: %q", got)
	}
	if already, err := again.Delivered(api.DeliveredRequest{ID: "a1", Via: "test"}, "wireguard:relay"); err != nil || !already {
		t.Fatalf("a repeated report after a restart: already=%v err=%v, want already", already, err)
	}
}

// One answer lists at most its limit, oldest first, and counts the rest.
func TestOutboxLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range 5 {
		req := &api.Request{ID: "n" + string(rune('0'+i)), Kind: api.KindSignNode, NodeKey: nodeKey(byte(10 + i)).String()}
		if r := f.svc.Handle(ctx, req, "t"); r.Status != api.StatusSigned {
			t.Fatalf("sign: %s %s", r.Status, r.Error)
		}
	}
	items, more := f.svc.Outbox(2)
	if len(items) != 2 || more != 3 || items[0].ID != "n0" || items[1].ID != "n1" {
		t.Fatalf("Outbox(2) = %d items (%v...), more=%d; want n0, n1 and 3 more", len(items), items, more)
	}
}
