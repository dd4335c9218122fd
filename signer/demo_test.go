package signer

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

func TestNewStateIDs(t *testing.T) {
	in := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 2}
	id1, id2, err := NewStateIDs(bytes.NewReader(in))
	if err != nil || id1 != 1 || id2 != 0x8000000000000003 {
		t.Fatalf("NewStateIDs = %#x, %#x, %v; want 0x1 (zero made odd) and 0x8000000000000003", id1, id2, err)
	}
	if _, _, err := NewStateIDs(bytes.NewReader(in[:15])); err == nil || !strings.Contains(err.Error(), "reading random state IDs") {
		t.Fatalf("a short read: %v", err)
	}
}

func TestDemoStateShortRandom(t *testing.T) {
	box := make([]byte, 32)
	for _, n := range []int{0, 32, 64} { // fails at the key, the secret, the IDs
		if _, err := demoState(bytes.NewReader(make([]byte, n)), box); err == nil {
			t.Errorf("demoState with %d random bytes succeeded", n)
		}
	}
}

func TestEnsureAuthority(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	soft.UseCheapKDFForTests()
	prompt := &scripted{}
	keyPath := statedir.Path(dir, statedir.SoftKey)
	if _, err := soft.Create(ctx, keyPath, prompt); err != nil {
		t.Fatal(err)
	}
	box, err := soft.Open(ctx, keyPath, prompt)
	if err != nil {
		t.Fatal(err)
	}
	defer box.Close()
	store, err := OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if made, err := EnsureAuthority(ctx, store, j, box, false); made || !errors.Is(err, ErrNoAuthority) {
		t.Fatalf("an empty store without demo: %v, %v; want ErrNoAuthority", made, err)
	}
	if _, ok := j.Last(); ok {
		t.Fatal("a refused EnsureAuthority journaled something")
	}
	made, err := EnsureAuthority(ctx, store, j, box, true)
	if err != nil || !made {
		t.Fatalf("demo: %v, %v", made, err)
	}
	auth, err := tka.Open(store)
	if err != nil {
		t.Fatal(err)
	}
	st := auth.State()
	if len(st.Keys) != 2 || !bytes.Equal(st.Keys[0].Public, box.PublicKey()) || st.Keys[0].Votes != 2 || st.Keys[1].Votes != 1 {
		t.Fatalf("demo keys %+v; want the box's key with 2 votes and a throw-away with 1", st.Keys)
	}
	if st.StateID1&1 == 0 || st.StateID2&1 == 0 || len(st.DisablementValues) != 1 {
		t.Fatalf("demo state %+v", st)
	}
	// The genesis was journaled before it was stored, and the start
	// checks accept the result.
	if _, err := CheckStart(dir, store, j, box.PublicKey(), nil); err != nil {
		t.Fatalf("start checks after a demo authority: %v", err)
	}
	if made, err := EnsureAuthority(ctx, store, j, box, true); made || err != nil {
		t.Fatalf("a store with an authority: %v, %v; want nothing made", made, err)
	}
}
