package signer

import (
	"context"
	"slices"
	"strings"
	"testing"

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
	add := &Request{ID: "a1", Kind: KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(77).PublicKey())}
	first := f.svc.Handle(context.Background(), add, "tester")
	if first.Status != StatusSigned || len(first.AUMs) == 0 {
		t.Fatalf("add-key: %+v", first)
	}
	again := f.restart(t).Handle(context.Background(), add, "tester")
	if again.Status != StatusSigned || !slices.Equal(again.AUMs, first.AUMs) || len(f.prompt.reviews()) != 1 {
		t.Fatalf("after a restart the replay must get the first AUMs without a prompt:\nfirst %+v\nagain %+v", first, again)
	}
}

// A request whose "issued" record is the last one (the daemon stopped
// before storing and releasing its AUMs) is not signed a second time.
func TestRestartIssuedNotReleasedNotSignedAgain(t *testing.T) {
	f := newFixture(t)
	req := &Request{ID: "a2", Kind: KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(78).PublicKey())}
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
			rec.Detail = map[string]string{"fingerprint": req.fingerprint()}
		}
		if _, err := f.svc.journal.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	r := f.restart(t).Handle(context.Background(), req, "tester")
	if r.Status != StatusError || !strings.Contains(r.Error, "not signed again") || len(f.prompt.reviews()) != 0 {
		t.Fatalf("an issued, unreleased request must not reach the console again: %+v", r)
	}
	if got := f.journalTypes(t, "a2"); len(got) != 3 {
		t.Fatalf("nothing more may be journaled for a2: %v", got)
	}
}
