package signer

// A plan works on a snapshot of the authority, and the key signs only the
// AUMs the console showed. Before the fix, a plan's sign read the live
// authority without the lock while Inform (the relay's POST /v1/aums)
// wrote it: a data race, and, when the head had moved during the review,
// a signature over AUMs built on a head nobody reviewed.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// recordingKey records every digest the key signs; during, if set, runs
// inside the next Sign; fail, if set, is the next Sign's error.
type recordingKey struct {
	hsm.Key
	mu     sync.Mutex
	signed [][32]byte
	during func()
	fail   error
}

func (k *recordingKey) Sign(ctx context.Context, h [32]byte) ([]byte, error) {
	k.mu.Lock()
	during, fail := k.during, k.fail
	k.during, k.fail = nil, nil
	if fail == nil {
		k.signed = append(k.signed, h)
	}
	k.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	if during != nil {
		during()
	}
	return k.Key.Sign(ctx, h)
}

// Unlock returns a session whose signatures go through k.Sign, so the
// test sees, fails or interleaves with each one.
func (k *recordingKey) Unlock(ctx context.Context, why string) (hsm.Session, error) {
	return recordingSession{k}, nil
}

type recordingSession struct{ k *recordingKey }

func (s recordingSession) PublicKey() ed25519.PublicKey { return s.k.PublicKey() }
func (s recordingSession) Sign(ctx context.Context, h [32]byte) ([]byte, error) {
	return s.k.Sign(ctx, h)
}
func (s recordingSession) SignMany(ctx context.Context, hs [][32]byte, progress func(int)) ([][]byte, error) {
	return hsm.SignEach(ctx, s, hs, progress)
}
func (s recordingSession) Close() error { return nil }

func (k *recordingKey) digests() [][32]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([][32]byte(nil), k.signed...)
}

// hookPrompt runs before when a review reaches the console.
type hookPrompt struct {
	*scripted
	before func()
}

func (p hookPrompt) Confirm(ctx context.Context, r Review) (Decision, error) {
	p.before()
	return p.scripted.Confirm(ctx, r)
}

// tailnetMoves adds an AUM made by the fixture's other key, as the relay
// brings one from the tailnet, and returns its hash.
func (f *fixture) tailnetMoves(t *testing.T, n int) tka.AUMHash {
	t.Helper()
	b := f.svc.Authority().NewBuilder(f.other)
	if err := b.SetKeyMeta(context.Background(), tka.KeyID(f.other.PublicKey()), map[string]string{"n": fmt.Sprint(n)}); err != nil {
		t.Error(err)
		return tka.AUMHash{}
	}
	aums, err := b.Updates()
	if err != nil {
		t.Error(err)
		return tka.AUMHash{}
	}
	head, err := f.svc.Inform([]string{tka.FormatHexAUM(aums[0])}, "relay")
	if err != nil {
		t.Error(err)
	}
	return head
}

// The relay keeps posting AUMs to POST /v1/aums on the real unix socket
// while key changes are reviewed and signed. Under -race this failed
// before plans worked on a snapshot (the signing read the authority
// Inform was writing). The AUMs posted are ones the chain already holds,
// which the relay does when it retries: the head stays, so every request
// is signed, and each digest the key signed is in an AUM of the chain.
func TestInformWhileSigning(t *testing.T) {
	f := newFixture(t)
	f.svc.policy.RatePerMinute = 1 << 20
	key := &recordingKey{Key: f.box}
	f.svc.key = key
	sock := filepath.Join(t.TempDir(), "api.sock")
	l, err := ListenUnix(sock, -1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.svc.ServeUnix(ctx, l) }()
	genesis, err := f.store.AUM(f.svc.Authority().Head())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(api.InformRequest{AUMs: []string{tka.FormatHexAUM(genesis)}})
	client := unixHTTP(sock)
	var informs atomic.Int64
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		for ctx.Err() == nil {
			resp, err := client.Post("http://signet"+api.PathAUMs, "application/json", bytes.NewReader(body))
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("POST /v1/aums: %v", err)
				}
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("POST /v1/aums: %s", resp.Status)
				return
			}
			informs.Add(1)
		}
	}()
	waitLong(t, "the relay's first AUMs", func() bool { return informs.Load() > 0 })
	var reviewed = map[[32]byte]bool{}
	for i := range 8 {
		req := &api.Request{ID: fmt.Sprintf("meta-%d", i), Kind: api.KindUpdateKey, Key: tka.FormatTLPub(f.other.PublicKey()), Meta: map[string]string{"i": fmt.Sprint(i)}}
		r := f.svc.Handle(context.Background(), req, "admin")
		if r.Status != api.StatusSigned {
			t.Fatalf("%s: %s %s", req.ID, r.Status, r.Error)
		}
		for _, x := range r.AUMs {
			u, err := tka.ParseHexAUM(x)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.store.AUM(u.Hash()); err != nil {
				t.Fatalf("%s: its AUM is not in the chain: %v", req.ID, err)
			}
			reviewed[u.SigHash()] = true
		}
	}
	stop()
	<-relayDone
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	for _, d := range key.digests() {
		if !reviewed[d] {
			t.Fatalf("the key signed %x, which is in no released AUM", d)
		}
	}
	t.Logf("%d informs while 8 key changes were signed", informs.Load())
}

// The tailnet's chain moves while a key change is on the console. The
// approval is for AUMs on the old head: they are not signed (the key is
// never used) and the request ends as stale. Before the fix the key
// signed AUMs rebuilt on the new head, which nobody reviewed.
func TestHeadMovesDuringReview(t *testing.T) {
	f := newFixture(t)
	key := &recordingKey{Key: f.box}
	f.svc.key = key
	var moved tka.AUMHash
	f.svc.prompt = hookPrompt{f.prompt, func() { moved = f.tailnetMoves(t, 1) }}
	req := &api.Request{ID: "moved", Kind: api.KindUpdateKey, Key: tka.FormatTLPub(f.other.PublicKey()), Meta: map[string]string{"a": "b"}}
	r := f.svc.Handle(context.Background(), req, "admin")
	if r.Status != api.StatusDenied || !strings.Contains(r.Error, "chain moved") {
		t.Fatalf("got %s %q, want denied: the chain moved", r.Status, r.Error)
	}
	if d := key.digests(); len(d) != 0 {
		t.Fatalf("the key signed %d digests after the chain moved under the review", len(d))
	}
	if head := f.svc.Authority().Head(); head != moved {
		t.Fatalf("head %v, want the tailnet's %v", head, moved)
	}
	var outcome Outcome
	f.svc.journal.Scan(func(rec Record) error {
		if rec.RequestID == "moved" && rec.Type == RecDecision {
			outcome = rec.Outcome
		}
		return nil
	})
	if types := f.journalTypes(t, "moved"); len(types) != 2 || outcome != OutcomeStale {
		t.Fatalf("journal %v with outcome %q, want received and a stale decision", types, outcome)
	}
}

// The chain moves while the approved AUMs are being signed (say, while the
// operator types the PIN): they are signed as reviewed, but not added to
// the chain as a fork of it and not released.
func TestHeadMovesDuringSigning(t *testing.T) {
	f := newFixture(t)
	key := &recordingKey{Key: f.box}
	var moved tka.AUMHash
	key.during = func() { moved = f.tailnetMoves(t, 2) }
	f.svc.key = key
	req := &api.Request{ID: "signing", Kind: api.KindUpdateKey, Key: tka.FormatTLPub(f.other.PublicKey()), Meta: map[string]string{"a": "c"}}
	r := f.svc.Handle(context.Background(), req, "admin")
	if r.Status != api.StatusError || !strings.Contains(r.Error, "chain moved") || len(r.AUMs) != 0 {
		t.Fatalf("got %+v, want an error: the chain moved, nothing released", r)
	}
	if head := f.svc.Authority().Head(); head != moved {
		t.Fatalf("head %v, want the tailnet's %v: the signed AUMs must not fork the chain", head, moved)
	}
	if types := f.journalTypes(t, "signing"); len(types) != 4 || types[2] != RecIssued || types[3] != RecNote {
		t.Fatalf("journal %v, want received, decision, issued, note (no released)", types)
	}
}

// BenchmarkPlanSnapshot measures what planning on a snapshot costs: one
// Authority.Clone per plan, for the fixture's two keys and for the most
// keys and disablement values a state may hold. A sign-node plan with the
// clone is measured alongside for scale.
func BenchmarkPlanSnapshot(b *testing.B) {
	ctx := context.Background()
	f := newFixture(b)
	b.Run("clone-2-keys", func(b *testing.B) {
		a := f.svc.Authority()
		for b.Loop() {
			_ = a.Clone()
		}
	})
	b.Run("clone-512-keys", func(b *testing.B) {
		st := tka.State{DisablementValues: make([][]byte, 32), StateID1: 1, StateID2: 2}
		st.Keys = append(st.Keys, tka.NewEd25519Key(f.box.PublicKey(), 1))
		for i := range 511 {
			pub := make([]byte, 32)
			pub[0], pub[1], pub[31] = byte(i), byte(i>>8), 0xee
			st.Keys = append(st.Keys, tka.NewEd25519Key(pub, 1))
		}
		for i := range st.DisablementValues {
			st.DisablementValues[i] = tka.DisablementKDF([]byte{byte(i)})
		}
		a, _, err := tka.Create(ctx, tka.NewMemStore(), st, f.box)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			_ = a.Clone()
		}
	})
	b.Run("plan-sign-node", func(b *testing.B) {
		req := &api.Request{ID: "bench", Kind: api.KindSignNode, NodeKey: nodeKey(9).String()}
		for b.Loop() {
			f.svc.mu.Lock()
			_, err := f.svc.planner().plan(req)
			f.svc.mu.Unlock()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
