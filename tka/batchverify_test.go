package tka

import (
	"crypto/ed25519"
	"math/rand/v2"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// TestBatchVerifyMatchesSingle: the coalescing batch verifier gives the
// verdict of checking every signature alone with ed25519consensus, for
// batches of valid signatures by a few keys, with one damaged signature,
// and with small-order keys and points that only ZIP-215 accepts. Under
// -race it checks the first 100 batches (batchVerify starts no
// goroutine); make sweeps (part of make test) checks all 400 without it.
func TestBatchVerifyMatchesSingle(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	keys := []ed25519.PrivateKey{newTestKey(r), newTestKey(r), newTestKey(r)}
	rounds := 400
	if raceEnabled {
		rounds = 100
	}
	var agreeTrue, agreeFalse int
	for round := range rounds {
		n := 1 + r.IntN(40)
		items := make([]batchItem, n)
		for i := range items {
			k := keys[r.IntN(len(keys))]
			msg := randBytes(r, 32)
			items[i] = batchItem{pub: k.Public().(ed25519.PublicKey), msg: msg, sig: ed25519.Sign(k, msg)}
		}
		switch r.IntN(6) {
		case 0:
			it := &items[r.IntN(n)]
			it.sig = append([]byte(nil), it.sig...)
			it.sig[r.IntN(64)] ^= 1 << r.IntN(8)
		case 1:
			items[r.IntN(n)].msg = randBytes(r, 32)
		case 2:
			items = append(items, smallOrderItem(r))
		}
		want := true
		for _, it := range items {
			want = want && ed25519consensus.Verify(it.pub, it.msg, it.sig)
		}
		if got := batchVerify(items); got != want {
			t.Fatalf("round %d: batch says %v, one by one says %v", round, got, want)
		}
		if want {
			agreeTrue++
		} else {
			agreeFalse++
		}
	}
	if agreeTrue == 0 || agreeFalse == 0 {
		t.Fatalf("need both outcomes, got %d valid and %d invalid batches", agreeTrue, agreeFalse)
	}
}

// smallOrderItem is a signature that ZIP-215 accepts and crypto/ed25519
// refuses: the public key and R are points of small order and s is zero.
func smallOrderItem(r *rand.Rand) batchItem {
	// Encodings of the identity (y = 1) and of the order-2 point (y = -1).
	identity := make([]byte, 32)
	identity[0] = 1
	order2 := []byte{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}
	pts := [][]byte{identity, order2}
	sig := append(append([]byte(nil), pts[r.IntN(2)]...), make([]byte, 32)...)
	return batchItem{pub: pts[r.IntN(2)], msg: randBytes(r, 32), sig: sig}
}
