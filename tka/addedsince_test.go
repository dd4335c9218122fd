package tka

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// addChain builds genesis (trusting a and x), then x adds evil and a
// adds good, each in its own AUM.
func addChain(t *testing.T) (a, x, evil, good testSigner, auth *Authority, st *MemStore, genesis AUMHash) {
	t.Helper()
	r := rand.New(rand.NewPCG(41, 42))
	a, x, evil, good = testSigner{newTestKey(r)}, testSigner{newTestKey(r)}, testSigner{newTestKey(r)}, testSigner{newTestKey(r)}
	st = NewMemStore()
	ctx := context.Background()
	state := State{Keys: []Key{NewEd25519Key(a.PublicKey(), 2), NewEd25519Key(x.PublicKey(), 1)},
		DisablementValues: [][]byte{DisablementKDF([]byte("secret"))}, StateID1: 1, StateID2: 2}
	auth, g, err := Create(ctx, st, state, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ by, add testSigner }{{x, evil}, {a, good}} {
		b := auth.NewBuilder(step.by)
		if err := b.AddKey(ctx, NewEd25519Key(step.add.PublicKey(), 1)); err != nil {
			t.Fatal(err)
		}
		updates, err := b.Finalize(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.Inform(st, updates); err != nil {
			t.Fatal(err)
		}
	}
	return a, x, evil, good, auth, st, g.Hash()
}

func TestAddedSinceNamesOnlyKeysAddedByTheSigners(t *testing.T) {
	_, x, evil, _, auth, st, genesis := addChain(t)
	got, err := auth.AddedSince(st, genesis, []KeyID{KeyID(x.PublicKey())})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !bytes.Equal(got[0].Key.Public, evil.PublicKey()) || got[0].AUM.IsZero() {
		t.Fatalf("AddedSince by x = %+v, want only evil", got)
	}
	u, err := st.AUM(got[0].AUM)
	if err != nil || u.MessageKind != AUMAddKey {
		t.Fatalf("the named AUM is not the add-key AUM: %v %v", u, err)
	}
}

func TestAddedSinceBothSignersNewestFirst(t *testing.T) {
	a, x, evil, good, auth, st, genesis := addChain(t)
	got, err := auth.AddedSince(st, genesis, []KeyID{KeyID(x.PublicKey()), KeyID(a.PublicKey())})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !bytes.Equal(got[0].Key.Public, good.PublicKey()) || !bytes.Equal(got[1].Key.Public, evil.PublicKey()) {
		t.Fatalf("AddedSince = %+v, want good then evil", got)
	}
}

func TestAddedSinceFromTheHeadIsEmpty(t *testing.T) {
	_, x, _, _, auth, st, _ := addChain(t)
	got, err := auth.AddedSince(st, auth.Head(), []KeyID{KeyID(x.PublicKey())})
	if err != nil || len(got) != 0 {
		t.Fatalf("AddedSince(head) = %v, %v; want nothing", got, err)
	}
}

func TestAddedSinceRefusesAForkThatIsNoAncestor(t *testing.T) {
	_, x, _, _, auth, st, _ := addChain(t)
	_, err := auth.AddedSince(st, AUMHash{1, 2, 3}, []KeyID{KeyID(x.PublicKey())})
	if err == nil || !strings.Contains(err.Error(), "not an ancestor") {
		t.Fatalf("AddedSince from a foreign AUM: %v", err)
	}
}

func TestAddedSinceReportsAMissingAUM(t *testing.T) {
	_, x, _, _, auth, _, genesis := addChain(t)
	_, err := auth.AddedSince(NewMemStore(), genesis, []KeyID{KeyID(x.PublicKey())})
	if err == nil || !strings.Contains(err.Error(), "reading AUM") {
		t.Fatalf("AddedSince on an empty store: %v", err)
	}
}

func TestStateTrusts(t *testing.T) {
	a, x, evil, _, auth, _, _ := addChain(t)
	s := auth.State()
	if !s.Trusts(a.PublicKey()) || !s.Trusts(x.PublicKey()) || !s.Trusts(evil.PublicKey()) {
		t.Fatal("Trusts misses a trusted key")
	}
	if s.Trusts(make([]byte, 32)) || s.Trusts(nil) {
		t.Fatal("Trusts accepts a key that is not trusted")
	}
}
