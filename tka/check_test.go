package tka

import (
	"context"
	"math/rand/v2"
	"testing"
)

// Check gives Inform's verdict and changes nothing: a good update is
// accepted but not stored, and a bad one gets the error Inform gives.
func TestCheckStoresNothing(t *testing.T) {
	a, _, _, _, auth, st, _ := addChain(t)
	ctx := context.Background()
	stranger := testSigner{newTestKey(rand.New(rand.NewPCG(7, 8)))}
	b := auth.NewBuilder(a)
	if err := b.AddKey(ctx, NewEd25519Key(stranger.PublicKey(), 1)); err != nil {
		t.Fatal(err)
	}
	good, err := b.Finalize(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	head, stored := auth.Head(), st.Len()
	if err := auth.Check(st, good); err != nil {
		t.Fatalf("Check refused a good update: %v", err)
	}
	if auth.Head() != head || st.Len() != stored {
		t.Fatalf("Check moved the head (%v -> %v) or stored AUMs (%d -> %d)", head, auth.Head(), stored, st.Len())
	}

	forged := *good[0]
	forged.Signatures = []Signature{{KeyID: KeyID(stranger.PublicKey()), Signature: make([]byte, 64)}}
	checkErr := auth.Check(st, []*AUM{&forged})
	if checkErr == nil {
		t.Fatal("Check accepted an AUM signed by an untrusted key")
	}
	if informErr := auth.Inform(st, []*AUM{&forged}); informErr == nil || informErr.Error() != checkErr.Error() {
		t.Fatalf("Check said %v, Inform said %v", checkErr, informErr)
	}
	if err := auth.Check(st, nil); err == nil {
		t.Fatal("Check accepted no updates")
	}
}
