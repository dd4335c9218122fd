package signer

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/tka"
)

// A crash between writing a request's signatures to the index and its
// "issued" record leaves a complete index line the journal does not know.
// After a restart that signature must not be released as "already
// signed": the request needs a new confirmation, and the line is cut.
func TestSigIndexLineWithoutIssuedRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if r := f.svc.Handle(ctx, &Request{ID: "s1", Kind: KindSignNode, NodeKey: nodeKey(1).String()}, "tester"); r.Status != StatusSigned {
		t.Fatalf("s1: %+v", r)
	}
	nk := nodeKey(4)
	sig, err := tka.SignNodeKey(ctx, f.box, nk, nil)
	if err != nil {
		t.Fatal(err)
	}
	orphan, _ := json.Marshal(sigLine{Request: "s2", NodeKey: nk.String(), Signature: hex.EncodeToString(sig.Serialize())})
	path := filepath.Join(f.dir, sigIndexFile)
	idx, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Write(append(orphan, '\n')); err != nil {
		t.Fatal(err)
	}
	idx.Close()

	svc2, err := NewService(Config{Store: f.store, Key: f.box, Prompt: f.prompt, Journal: f.svc.journal, Dir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc2.Close()
	if b, _ := os.ReadFile(path); strings.Contains(string(b), `"s2"`) {
		t.Fatalf("the line without an issued record must be cut from the index:\n%s", b)
	}
	r := svc2.Handle(ctx, &Request{ID: "s2", Kind: KindSignNode, NodeKey: nk.String()}, "tester")
	if r.Status != StatusSigned || len(f.prompt.reviews()) != 2 {
		t.Fatalf("s2 must be confirmed again, not answered from the unjournaled line: %+v, %d reviews", r, len(f.prompt.reviews()))
	}
	if got := f.journalTypes(t, "s2"); len(got) != 4 || got[2] != RecIssued {
		t.Fatalf("s2's journal records: %v", got)
	}
	// s1's line was issued and is still trusted.
	if r := svc2.Handle(ctx, &Request{ID: "s3", Kind: KindSignNode, NodeKey: nodeKey(1).String()}, "tester"); r.Status != StatusAlreadySigned {
		t.Fatalf("s1's signature must still answer already-signed: %+v", r)
	}
}
