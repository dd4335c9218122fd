package hsm

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestSignManyVerifiedFindsABadSignature: a set with one bad signature
// fails, naming it, whether the batch is checked on one CPU or several.
func TestSignManyVerifiedFindsABadSignature(t *testing.T) {
	seed := bytes.Repeat([]byte{3}, 32)
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	k, err := ExpandSeed(seed, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for _, n := range []int{1, 5, 1000} {
		hashes := make([][32]byte, n)
		for i := range hashes {
			hashes[i][0], hashes[i][1] = byte(i), byte(i>>8)
		}
		bad := n / 2
		sigs, err := SignManyVerified(context.Background(), pub, hashes, nil, func(h [32]byte) ([]byte, error) {
			sig, err := SignExpanded(k, h[:])
			if h == hashes[bad] {
				sig[5] ^= 1
			}
			return sig, err
		})
		want := fmt.Sprintf("signature %d of %d: ", bad+1, n)
		if sigs != nil || !errors.Is(err, ErrBadSignature) || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("n=%d: %v, want ErrBadSignature starting %q", n, err, want)
		}
		good, err := SignManyVerified(context.Background(), pub, hashes, nil, func(h [32]byte) ([]byte, error) { return SignExpanded(k, h[:]) })
		if err != nil || len(good) != n {
			t.Fatalf("n=%d, all good: %d signatures, %v", n, len(good), err)
		}
	}
}
