package signer

import (
	"context"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
)

// A request carrying another tailnet's state ID is refused before the
// console and leaves nothing in the journal; the box's own state ID is
// accepted.
func TestRequestForAnotherTailnet(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id1, _ := f.svc.Authority().StateIDs()
	r := f.svc.Handle(ctx, &api.Request{ID: "x1", Kind: api.KindSignNode, NodeKey: nodeKey(3).String(), StateID: id1 + 1}, "t")
	if r.Status != api.StatusError || !strings.Contains(r.Error, "another tailnet") {
		t.Fatalf("another tailnet's request: %s %q", r.Status, r.Error)
	}
	if n := len(f.prompt.reviews()); n != 0 || len(f.journalTypes(t, "x1")) != 0 {
		t.Fatalf("another tailnet's request reached the console (%d reviews) or the journal (%v)", n, f.journalTypes(t, "x1"))
	}
	if r := f.svc.Handle(ctx, &api.Request{ID: "x2", Kind: api.KindSignNode, NodeKey: nodeKey(3).String(), StateID: id1}, "t"); r.Status != api.StatusSigned {
		t.Fatalf("this tailnet's request: %s %q", r.Status, r.Error)
	}
}
