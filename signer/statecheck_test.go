package signer

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// reopen opens the fixture's chain store and journal afresh from disk, as
// a new daemon process would, and starts a service on them.
func (f *fixture) reopen(t *testing.T, keyFiles ...string) (*Service, error) {
	t.Helper()
	st, err := OpenChainStore(f.dir)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { st.Close() })
	j, err := OpenJournal(f.dir)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { j.Close() })
	svc, err := NewService(Config{Store: st, Key: f.box, Prompt: f.prompt, Journal: j, Dir: f.dir, KeyFiles: keyFiles})
	if err == nil {
		t.Cleanup(func() { svc.Close() })
	}
	return svc, err
}

// journalLines returns journal.log split after each newline.
func (f *fixture) journalLines(t *testing.T) [][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, statedir.Journal))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(b, []byte("\n"))
}

func writeLines(t *testing.T, path string, lines [][]byte) {
	t.Helper()
	if err := os.WriteFile(path, bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) addKey(t *testing.T, id string, seed uint64) *api.Response {
	t.Helper()
	r := f.svc.Handle(context.Background(), &api.Request{ID: id, Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(seed).PublicKey())}, "tester")
	if r.Status != api.StatusSigned {
		t.Fatalf("%s: %+v", id, r)
	}
	return r
}

// The attack of issue 12 item 11: cutting the last records off the
// journal went unnoticed while the chain still held the AUM they covered.
// Now the start refuses, naming the AUM and what to do.
func TestStartRefusesJournalCut(t *testing.T) {
	f := newFixture(t)
	f.addKey(t, "a1", 70)
	lines := f.journalLines(t)
	// received, decision, issued, released (and a trailing empty split).
	cut := lines[:len(lines)-3]
	writeLines(t, filepath.Join(f.dir, statedir.Journal), cut)
	_, err := f.reopen(t)
	var se *StateError
	if !errors.As(err, &se) || !strings.Contains(se.Problem, "but no journal record") || !strings.Contains(se.Fix, "restore journal.log from a backup") {
		t.Fatalf("want a refusal naming the unjournaled AUM, got %v", err)
	}
	// Cutting only the released record is a state a crash leaves (after
	// the chain commit, before "released"): it starts.
	writeLines(t, filepath.Join(f.dir, statedir.Journal), lines[:len(lines)-2])
	if _, err := f.reopen(t); err != nil {
		t.Fatalf("a crash before the released record must start: %v", err)
	}
}

// Cutting a released AUM off the chain, or one a note says was stored,
// is refused; the chain store is left as it was.
func TestStartRefusesChainCut(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(f.dir, statedir.Chain)
	before, _ := os.ReadFile(path)
	f.addKey(t, "a1", 70)
	after, _ := os.ReadFile(path)
	if err := os.WriteFile(path, before, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := f.reopen(t)
	if err == nil || !strings.Contains(err.Error(), "request a1 released AUM") || !strings.Contains(err.Error(), "chain.log lost AUMs") {
		t.Fatalf("want a refusal naming the lost AUM, got %v", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, before) {
		t.Fatal("a refused chain store was changed")
	}

	// News from the tailnet: an AUM signed by the other trusted key.
	if err := os.WriteFile(path, after, 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := f.reopen(t)
	if err != nil {
		t.Fatal(err)
	}
	b := svc.Authority().NewBuilder(f.other)
	if err := b.NoOp(context.Background()); err != nil {
		t.Fatal(err)
	}
	news, err := b.Updates()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Inform([]string{tka.FormatHexAUM(news[0])}, "relay"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, after, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = f.reopen(t)
	if err == nil || !strings.Contains(err.Error(), "(note) says AUM "+news[0].Hash().String()+" was stored in the chain") {
		t.Fatalf("want a refusal naming the AUM the note names, got %v", err)
	}
}

// The key files are pinned at the first start; a changed one is refused;
// `key init --replace-existing-key` (old files moved aside) is re-pinned.
func TestStartKeyFilePins(t *testing.T) {
	f := newFixture(t)
	names := statedir.KeyFiles()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(f.dir, n), []byte(n+" v1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.reopen(t, names...); err != nil {
		t.Fatal(err)
	}
	if !f.noteSays(t, "pinned the key files: no journal record pinned them yet") {
		t.Fatal("the first start must pin the key files")
	}
	pub := statedir.Path(f.dir, statedir.KeyPub)
	if err := os.WriteFile(pub, []byte("key.pub v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := f.reopen(t, names...)
	if err == nil || !strings.Contains(err.Error(), "key.pub is not the file journal record #") {
		t.Fatalf("want a refusal naming key.pub, got %v", err)
	}
	if err := os.WriteFile(pub+".replaced-20260101T000000Z", []byte("key.pub v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reopen(t, names...); err != nil {
		t.Fatalf("a key replaced by key init must start: %v", err)
	}
	if !f.noteSays(t, "signet key init replaced them") {
		t.Fatal("the replaced key files must be re-pinned")
	}
	if _, err := f.reopen(t, names...); err != nil {
		t.Fatalf("after the re-pin: %v", err)
	}
}

// The rebuild of issue 12 item 10: a damaged line's signature cannot be
// made again without the key, so the rebuild keeps what matches, journals
// the rest as lost, and a replay of a lost request gets an error, never
// "signed" without a signature. The node can be signed again through a
// new, reviewed request.
func TestRebuildIndexSaysWhatWasLost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i, id := range []string{"s1", "s2", "s3"} {
		if r := f.svc.Handle(ctx, &api.Request{ID: id, Kind: api.KindSignNode, NodeKey: nodeKey(byte(i + 1)).String()}, "tester"); r.Status != api.StatusSigned {
			t.Fatalf("%s: %+v", id, r)
		}
	}
	batch := &api.Request{ID: "b1", Kind: api.KindBatch, Nodes: []api.BatchNode{{NodeKey: nodeKey(8).String()}, {NodeKey: nodeKey(9).String()}}}
	if r := f.svc.Handle(ctx, batch, "tester"); r.Status != api.StatusSigned || len(r.Nodes) != 2 {
		t.Fatalf("b1: %+v", r)
	}
	path := filepath.Join(f.dir, statedir.SigIndex)
	good, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(good, []byte("\n"))
	lines[1] = bytes.Replace(lines[1], []byte(`"signature":"`), []byte(`"signature":"zz`), 1)
	writeLines(t, path, lines)
	if _, err := f.reopen(t); err == nil {
		t.Fatal("a damaged line must stop the start")
	}
	rep, err := RebuildIndex(f.dir, f.svc.journal)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kept != 4 || rep.Requests != 3 || rep.Dropped != 1 || strings.Join(rep.Lost, ",") != "s2" {
		t.Fatalf("rebuild report %+v, want 4 kept of s1 s3 b1, 1 dropped, s2 lost", rep)
	}
	if b, _ := os.ReadFile(rep.Aside); !bytes.Equal(b, bytes.Join(lines, nil)) {
		t.Fatal("the old index was not kept as it was")
	}
	svc, err := f.reopen(t)
	if err != nil {
		t.Fatalf("the rebuilt index must start: %v", err)
	}
	r := svc.Handle(ctx, &api.Request{ID: "s2", Kind: api.KindSignNode, NodeKey: nodeKey(2).String()}, "tester")
	if r.Status != api.StatusError || !strings.Contains(r.Error, "were lost when signatures.jsonl was rebuilt") || r.Signature != "" {
		t.Fatalf("a replay of the lost request: %+v", r)
	}
	r = svc.Handle(ctx, &api.Request{ID: "b1", Kind: api.KindBatch, Nodes: batch.Nodes}, "tester")
	if r.Status != api.StatusSigned || len(r.Nodes) != 2 || r.Nodes[0].Signature == "" {
		t.Fatalf("the kept batch replays: %+v", r)
	}
	reviews := len(f.prompt.reviews())
	r = svc.Handle(ctx, &api.Request{ID: "s2-again", Kind: api.KindSignNode, NodeKey: nodeKey(2).String()}, "tester")
	if r.Status != api.StatusSigned || len(f.prompt.reviews()) != reviews+1 {
		t.Fatalf("the node is signed again only after a new review: %+v", r)
	}
	if _, err := hex.DecodeString(r.Signature); err != nil || r.Signature == "" {
		t.Fatalf("signature %q", r.Signature)
	}
}

// Every AUM in the chain must be explained by a journal record written
// before it was stored. News from the tailnet whose notes were cut off
// the journal is refused; a chain the journal names nothing of (a state
// dir from an older signet, or this fixture's genesis) is pinned once.
func TestStartRefusesUnexplainedAUM(t *testing.T) {
	f := newFixture(t)
	if !f.noteSays(t, "pinned the chain: no journal record named its AUMs") {
		t.Fatal("the first start must pin a chain the journal names nothing of")
	}
	f.addKey(t, "a1", 70)
	added := chaingen.NewKey(70)
	b := f.svc.Authority().NewBuilder(added)
	if err := b.NoOp(context.Background()); err != nil {
		t.Fatal(err)
	}
	news, err := b.Updates()
	if err != nil {
		t.Fatal(err)
	}
	before := f.journalLines(t)
	if _, err := f.svc.Inform([]string{tka.FormatHexAUM(news[0])}, "relay"); err != nil {
		t.Fatal(err)
	}
	after := f.journalLines(t)
	if len(after) != len(before)+2 {
		t.Fatalf("Inform journaled %d records, want a note before the commit and one after", len(after)-len(before))
	}
	// Without the note after the commit (a crash): it starts.
	writeLines(t, filepath.Join(f.dir, statedir.Journal), after[:len(after)-2])
	if _, err := f.reopen(t); err != nil {
		t.Fatalf("a crash after the commit must start: %v", err)
	}
	// Without both: the chain holds an AUM nothing explains.
	writeLines(t, filepath.Join(f.dir, statedir.Journal), before)
	_, err = f.reopen(t)
	if err == nil || !strings.Contains(err.Error(), "chain.log holds AUM "+news[0].Hash().String()+", but no journal record says how it came") {
		t.Fatalf("want a refusal naming the unexplained AUM, got %v", err)
	}
}
