package signer

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// tryRestart makes a new service on f's files, as a daemon start does.
func (f *fixture) tryRestart(t *testing.T) (*Service, error) {
	t.Helper()
	svc, err := NewService(Config{Store: f.store, Key: f.box, Prompt: f.prompt, Journal: f.svc.journal, Dir: f.dir})
	if err == nil {
		t.Cleanup(func() { svc.Close() })
	}
	return svc, err
}

// orphanLine is an index line for nk under request id, signed by f.box.
func (f *fixture) orphanLine(t *testing.T, id string, nk tka.NodeKey) []byte {
	t.Helper()
	sig, err := tka.SignNodeKey(context.Background(), f.box, nk, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(sigLine{Request: id, NodeKey: nk.String(), Signature: hex.EncodeToString(sig.Serialize())})
	return append(b, '\n')
}

func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

// approveOnly journals what a crash right after the index write leaves:
// id received and approved, no issued record.
func (f *fixture) approveOnly(t *testing.T, id string, nk tka.NodeKey) {
	t.Helper()
	for _, r := range []Record{
		{Type: RecReceived, RequestID: id, Kind: api.KindSignNode, Detail: map[string]string{"fingerprint": "f", "node_key": nk.String()}},
		{Type: RecDecision, RequestID: id, Kind: api.KindSignNode, Outcome: OutcomeApproved},
	} {
		if _, err := f.svc.journal.Append(r); err != nil {
			t.Fatal(err)
		}
	}
}

// A crash between writing a request's signatures to the index and its
// "issued" record leaves complete index lines the journal does not back.
// After a restart that signature must not be released as "already
// signed": the lines are moved aside (kept, journaled), and the request
// needs a new confirmation.
func TestSigIndexLineWithoutIssuedRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if r := f.svc.Handle(ctx, &api.Request{ID: "s1", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()}, "tester"); r.Status != api.StatusSigned {
		t.Fatalf("s1: %+v", r)
	}
	nk := nodeKey(4)
	f.approveOnly(t, "s2", nk)
	path := filepath.Join(f.dir, statedir.SigIndex)
	before, _ := os.ReadFile(path)
	orphan := f.orphanLine(t, "s2", nk)
	appendFile(t, path, orphan)

	svc2, err := f.tryRestart(t)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, before) {
		t.Fatalf("the line without an issued record must be moved off the index:\n%s", b)
	}
	aside, _ := filepath.Glob(filepath.Join(f.dir, "signatures.torn.*"))
	if len(aside) != 1 {
		t.Fatalf("want the moved line kept in one signatures.torn.* file, got %v", aside)
	}
	if b, _ := os.ReadFile(aside[0]); !bytes.Equal(b, orphan) {
		t.Fatalf("%s holds %q", aside[0], b)
	}
	if !f.noteSays(t, "signatures of request(s) s2") {
		t.Fatal("moving the lines aside must be journaled")
	}
	r := svc2.Handle(ctx, &api.Request{ID: "s2", Kind: api.KindSignNode, NodeKey: nk.String()}, "tester")
	if r.Status != api.StatusSigned || len(f.prompt.reviews()) != 2 {
		t.Fatalf("s2 must be confirmed again, not answered from the unjournaled line: %+v, %d reviews", r, len(f.prompt.reviews()))
	}
	// s1's line was issued and is still trusted.
	if r := svc2.Handle(ctx, &api.Request{ID: "s3", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()}, "tester"); r.Status != api.StatusAlreadySigned {
		t.Fatalf("s1's signature must still answer already-signed: %+v", r)
	}
}

// noteSays reports whether a journal note's message contains s.
func (f *fixture) noteSays(t *testing.T, s string) bool {
	t.Helper()
	found := false
	_, _ = ScanFile(filepath.Join(f.dir, statedir.Journal), func(r Record) error {
		found = found || r.Type == RecNote && strings.Contains(r.Detail["message"], s)
		return nil
	})
	return found
}

// The attack of issue 12 item 10: one bad line in the index made the
// daemon cut every later line at start, after which a replay answered
// "signed" with no signature. Now a damaged line, wherever it is, stops
// the start with an error naming the line and its offset, and the file
// is left as it was.
func TestSigIndexBadLineRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i, id := range []string{"s1", "s2", "s3"} {
		if r := f.svc.Handle(ctx, &api.Request{ID: id, Kind: api.KindSignNode, NodeKey: nodeKey(byte(i + 1)).String()}, "tester"); r.Status != api.StatusSigned {
			t.Fatalf("%s: %+v", id, r)
		}
	}
	path := filepath.Join(f.dir, statedir.SigIndex)
	good, _ := os.ReadFile(path)
	second := bytes.IndexByte(good, '\n') + 1
	for _, c := range []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"a flipped signature byte", func(b []byte) []byte { b[second+len(b[second:])/6] ^= 0x01; return b }, "line 2 (byte " + itoa(second) + ")"},
		{"an upper-case hex digit", func(b []byte) []byte {
			i := bytes.Index(b[second:], []byte(`"signature":"`)) + second + len(`"signature":"`)
			for ; b[i] < 'a' || b[i] > 'f'; i++ {
			}
			b[i] -= 'a' - 'A'
			return b
		}, "is not in the form signet writes"},
		{"a line dropped", func(b []byte) []byte {
			end := second + bytes.IndexByte(b[second:], '\n') + 1
			return append(b[:second:second], b[end:]...)
		}, "request s2 was signed (journal record #"},
		{"a line of another request", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"request":"s2"`), []byte(`"request":"s9"`), 1)
		}, "which the journal does not show as approved"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := c.edit(bytes.Clone(good))
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := f.tryRestart(t)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--rebuild-index") {
				t.Fatalf("want an error with %q and what to do, got %v", c.want, err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, bad) {
				t.Fatal("a refused index was changed")
			}
		})
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tryRestart(t); err != nil {
		t.Fatalf("the intact index must start again: %v", err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// An interrupted index write leaves a partial last line: the start moves
// it aside. A last line whole but for its newline is completed instead.
func TestSigIndexTornTail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if r := f.svc.Handle(ctx, &api.Request{ID: "s1", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()}, "tester"); r.Status != api.StatusSigned {
		t.Fatalf("s1: %+v", r)
	}
	path := filepath.Join(f.dir, statedir.SigIndex)
	good, _ := os.ReadFile(path)

	if err := os.WriteFile(path, good[:len(good)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tryRestart(t); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, good) {
		t.Fatalf("the missing newline was not added back:\n%s", b)
	}

	f.approveOnly(t, "s2", nodeKey(2))
	partial := f.orphanLine(t, "s2", nodeKey(2))
	appendFile(t, path, partial[:40])
	svc, err := f.tryRestart(t)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, good) {
		t.Fatalf("the partial line was not moved off:\n%s", b)
	}
	if r := svc.Handle(ctx, &api.Request{ID: "s1", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()}, "tester"); r.Status != api.StatusSigned || r.Signature == "" {
		t.Fatalf("s1's replay after the repairs: %+v", r)
	}
	var ie *IndexError
	appendFile(t, path, []byte("garbage\n"))
	if _, err := f.tryRestart(t); !errors.As(err, &ie) || ie.Line != 2 {
		t.Fatalf("a complete garbage line is damage, not a torn write: %v", err)
	}
}
