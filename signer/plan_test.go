package signer

import (
	"context"
	"testing"

	"github.com/signetbox/signet/api"
)

// A batch limit counts only the nodes this box has not signed yet: the
// review, its count and what is signed agree.
func TestBatchLimitCountsOnlyUnsigned(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var nodes []api.BatchNode
	for i := range 8 {
		nodes = append(nodes, api.BatchNode{NodeKey: nodeKey(byte(40 + i)).String()})
	}
	if r := f.svc.Handle(ctx, &api.Request{ID: "l1", Kind: api.KindBatch, Nodes: nodes[:3]}, "t"); r.Status != api.StatusSigned {
		t.Fatalf("first batch: %s %q", r.Status, r.Error)
	}
	r := f.svc.Handle(ctx, &api.Request{ID: "l2", Kind: api.KindBatch, Nodes: nodes, Limit: 2}, "t")
	if r.Status != api.StatusSigned {
		t.Fatalf("limited batch: %s %q", r.Status, r.Error)
	}
	rv := f.prompt.reviews()[1]
	if len(rv.Items) != 2 || rv.Summary[0] != "direct signatures over 2 node keys (3 more already signed, skipped; 3 more left for a later batch by the limit)" {
		t.Fatalf("review: %d items, %q", len(rv.Items), rv.Summary)
	}
	var fresh []string
	for _, n := range r.Nodes {
		if n.Note == "" {
			fresh = append(fresh, n.NodeKey)
		}
	}
	if len(r.Nodes) != 5 || len(fresh) != 2 || fresh[0] != nodes[3].NodeKey || fresh[1] != nodes[4].NodeKey {
		t.Fatalf("answered %d nodes, signed now %q; want 5, and the first two not signed before", len(r.Nodes), fresh)
	}
	if r := f.svc.Handle(ctx, &api.Request{ID: "l3", Kind: api.KindBatch, Nodes: nodes, Limit: -1}, "t"); r.Status != api.StatusError {
		t.Fatalf("a negative limit: %s", r.Status)
	}
}
