package hsm

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"
)

// TestSignExpandedMatchesStdlib signs random messages with random keys
// and compares every signature byte for byte with crypto/ed25519 (Ed25519
// is deterministic).
func TestSignExpandedMatchesStdlib(t *testing.T) {
	for i := range 200 {
		seed := make([]byte, ed25519.SeedSize)
		rand.Read(seed)
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		k, err := ExpandSeed(seed, pub)
		if err != nil {
			t.Fatal(err)
		}
		msg := make([]byte, i%70)
		rand.Read(msg)
		got, err := SignExpanded(k, msg)
		if err != nil {
			t.Fatal(err)
		}
		if want := ed25519.Sign(priv, msg); !bytes.Equal(got, want) {
			t.Fatalf("key %d: signature\n%x\nwant\n%x", i, got, want)
		}
		k.Close()
		if _, err := SignExpanded(k, msg); err == nil {
			t.Fatal("signing with a closed key worked")
		}
	}
}

func TestExpandSeedChecksPublicKey(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, 32)).Public().(ed25519.PublicKey)
	if _, err := ExpandSeed(seed, other); err == nil || err.Error() != "the seed does not belong to the public key" {
		t.Fatalf("ExpandSeed with another key's public key: %v", err)
	}
	if _, err := ExpandSeed(seed[:31], other); err == nil {
		t.Fatal("ExpandSeed took a 31-byte seed")
	}
}

func BenchmarkSignExpanded(b *testing.B) {
	seed := bytes.Repeat([]byte{7}, 32)
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	k, _ := ExpandSeed(seed, pub)
	defer k.Close()
	for i := 0; b.Loop(); i++ {
		if _, err := SignExpanded(k, fmt.Appendf(nil, "%d", i)); err != nil {
			b.Fatal(err)
		}
	}
}
