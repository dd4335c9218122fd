package signer

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

func (f *fixture) restart(t *testing.T) *Service {
	t.Helper()
	svc, err := NewService(Config{Store: f.store, Key: f.box, Prompt: f.prompt, Journal: f.svc.journal, Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

// A replayed add-key after a restart gets its AUMs again, from the chain
// store, not an empty "signed".
func TestRestartReplaysAUMs(t *testing.T) {
	f := newFixture(t)
	add := &api.Request{ID: "a1", Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(77).PublicKey())}
	first := f.svc.Handle(context.Background(), add, "tester")
	if first.Status != api.StatusSigned || len(first.AUMs) == 0 {
		t.Fatalf("add-key: %+v", first)
	}
	again := f.restart(t).Handle(context.Background(), add, "tester")
	if again.Status != api.StatusSigned || !slices.Equal(again.AUMs, first.AUMs) || len(f.prompt.reviews()) != 1 {
		t.Fatalf("after a restart the replay must get the first AUMs without a prompt:\nfirst %+v\nagain %+v", first, again)
	}
}

// A request whose "issued" record is the last one (the daemon stopped
// before storing and releasing its AUMs) is not signed a second time.
func TestRestartIssuedNotReleasedNotSignedAgain(t *testing.T) {
	f := newFixture(t)
	req := &api.Request{ID: "a2", Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(78).PublicKey())}
	base := Record{RequestID: req.ID, Kind: req.Kind, Requester: "tester", Digest: "00"}
	for _, typ := range []RecordType{RecReceived, RecDecision, RecIssued} {
		rec := base
		rec.Type = typ
		if typ == RecDecision {
			rec.Outcome = OutcomeApproved
		}
		if typ == RecIssued {
			rec.SigHash = strings.Repeat("ab", 32)
		}
		if typ == RecReceived {
			rec.Detail = map[string]string{"fingerprint": fingerprint(req)}
		}
		if _, err := f.svc.journal.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	r := f.restart(t).Handle(context.Background(), req, "tester")
	if r.Status != api.StatusError || !strings.Contains(r.Error, "not signed again") || len(f.prompt.reviews()) != 0 {
		t.Fatalf("an issued, unreleased request must not reach the console again: %+v", r)
	}
	if got := f.journalTypes(t, "a2"); len(got) != 3 {
		t.Fatalf("nothing more may be journaled for a2: %v", got)
	}
}

// After a restart, a replayed request gets the first answer again: a
// node's signature with its delivery line, a co-signed recovery AUM (in
// no chain, so kept in the journal), and a batch's signatures in the
// first answer's order with its delivery line, the nodes it skipped as
// signed before included.
func TestRestartReplaysFirstAnswers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	node := &api.Request{ID: "r-node", Kind: api.KindSignNode, NodeKey: nodeKey(90).String()}
	batch := &api.Request{ID: "r-batch", Kind: api.KindBatch}
	for _, b := range []byte{99, 91, 95, 90, 93} { // 90 is signed by r-node first
		batch.Nodes = append(batch.Nodes, api.BatchNode{NodeKey: nodeKey(b).String()})
	}
	u, err := f.svc.Authority().RecoveryAUM(f.store, []tka.KeyID{tka.KeyID(f.other.PublicKey())}, tka.KeyID(f.box.PublicKey()), tka.AUMHash{})
	if err != nil {
		t.Fatal(err)
	}
	cosign := &api.Request{ID: "r-cosign", Kind: api.KindCosign, AUM: tka.FormatHexAUM(u)}
	first := map[string]*api.Response{}
	for _, req := range []*api.Request{node, batch, cosign} {
		r := f.svc.Handle(ctx, req, "tester")
		if r.Status != api.StatusSigned {
			t.Fatalf("%s: %s %s", req.ID, r.Status, r.Error)
		}
		first[req.ID] = r
	}
	svc := f.restart(t)
	for _, req := range []*api.Request{node, cosign} {
		if again := svc.Handle(ctx, req, "tester"); !reflect.DeepEqual(again, first[req.ID]) {
			t.Errorf("%s replayed after a restart:\n got %+v\nwant %+v", req.ID, again, first[req.ID])
		}
	}
	again := svc.Handle(ctx, batch, "tester")
	if len(first[batch.ID].Nodes) != 5 || !reflect.DeepEqual(again, first[batch.ID]) {
		t.Errorf("the batch replayed after a restart:\n got %+v\nwant %+v", again, first[batch.ID])
	}
	// The completed answer is kept: asking again gives it again.
	if again2 := svc.Handle(ctx, batch, "tester"); !reflect.DeepEqual(again2, first[batch.ID]) {
		t.Errorf("the batch replayed twice:\n got %+v\nwant %+v", again2, first[batch.ID])
	}
	if n := len(f.prompt.reviews()); n != 3 {
		t.Errorf("%d reviews, want 3: a replay never reaches the console", n)
	}
}

// Every kind of final answer a restart can rebuild from the journal is
// the answer the client got first: signed (one node, a batch with
// skipped nodes, each AUM kind, a co-signature), denied, stale, and
// failed.
func TestReplayedAnswerEqualsLive(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	added := tka.FormatTLPub(chaingen.NewKey(60).PublicKey())
	node := &api.Request{ID: "k-node", Kind: api.KindSignNode, NodeKey: nodeKey(60).String()}
	batch := &api.Request{ID: "k-batch", Kind: api.KindBatch, Limit: 2}
	for _, b := range []byte{61, 60, 62, 63} { // 60: signed by k-node; 63: over the limit
		batch.Nodes = append(batch.Nodes, api.BatchNode{NodeKey: nodeKey(b).String()})
	}
	reqs := []*api.Request{
		node,
		batch,
		{ID: "k-add", Kind: api.KindAddKey, Key: added},
		{ID: "k-update", Kind: api.KindUpdateKey, Key: added, Votes: 2},
		{ID: "k-checkpoint", Kind: api.KindCheckpoint},
		{ID: "k-remove", Kind: api.KindRemoveKey, Key: added},
		{ID: "k-denied", Kind: api.KindSignNode, NodeKey: nodeKey(70).String()},
		{ID: "k-stale", Kind: api.KindSignNode, NodeKey: nodeKey(71).String()},
	}
	f.prompt.answers = []Outcome{OutcomeApproved, OutcomeApproved, OutcomeApproved, OutcomeApproved, OutcomeApproved, OutcomeApproved, OutcomeDenied, OutcomeStale}
	first := map[string]*api.Response{}
	for _, req := range reqs {
		first[req.ID] = f.svc.Handle(ctx, req, "tester")
	}
	u, err := f.svc.Authority().RecoveryAUM(f.store, []tka.KeyID{tka.KeyID(f.other.PublicKey())}, tka.KeyID(f.box.PublicKey()), tka.AUMHash{})
	if err != nil {
		t.Fatal(err)
	}
	cosign := &api.Request{ID: "k-cosign", Kind: api.KindCosign, AUM: tka.FormatHexAUM(u)}
	first[cosign.ID] = f.svc.Handle(ctx, cosign, "tester")
	reqs = append(reqs, cosign)
	for _, req := range reqs {
		r := first[req.ID]
		want := api.StatusSigned
		switch req.ID {
		case "k-denied", "k-stale":
			want = api.StatusDenied
		}
		if r.Status != want {
			t.Fatalf("%s: %s %s, want %s", req.ID, r.Status, r.Error, want)
		}
	}
	if n := len(first[batch.ID].Nodes); n != 3 || first[batch.ID].Nodes[0].Note != "already signed" {
		t.Fatalf("the batch's first answer: %+v; want node 60 as signed before and two new signatures", first[batch.ID].Nodes)
	}
	if e := first["k-stale"].Error; e != "test; send a new request" {
		t.Fatalf("a stale answer says %q", e)
	}
	svc := f.restart(t)
	for _, req := range reqs {
		if again := svc.Handle(ctx, req, "tester"); !reflect.DeepEqual(again, first[req.ID]) {
			t.Errorf("%s (%s) replayed after a restart:\n got %+v\nwant %+v", req.ID, req.Kind, again, first[req.ID])
		}
	}
	if n := len(f.prompt.reviews()); n != len(reqs) {
		t.Errorf("%d reviews, want %d: a replay never reaches the console", n, len(reqs))
	}
}

// The answer to a request whose signatures an index rebuild lost names
// the record that says so.
func TestLostAnswer(t *testing.T) {
	if r := lostAnswer("x", 7); r.Status != api.StatusError || !strings.Contains(r.Error, "signatures.jsonl was rebuilt (journal record #7)") {
		t.Fatalf("lostAnswer = %+v", r)
	}
}
