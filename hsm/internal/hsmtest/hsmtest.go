// Package hsmtest holds helpers for hsm backend tests and benchmarks. Only
// _test.go files import it.
package hsmtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// Hash returns a distinct 32-byte hash for i.
func Hash(i int) [32]byte {
	return sha256.Sum256(fmt.Appendf(nil, "signet hsm test %d", i))
}

// SignAndVerify signs n distinct hashes with s and verifies each signature
// with ed25519consensus.
func SignAndVerify(t testing.TB, s tka.Signer, n int) {
	t.Helper()
	pub := s.PublicKey()
	for i := range n {
		h := Hash(i)
		sig, err := s.Sign(context.Background(), h)
		if err != nil {
			t.Fatalf("sign %d: %v", i, err)
		}
		if !ed25519consensus.Verify(pub, h[:], sig) {
			t.Fatalf("signature %d does not verify", i)
		}
	}
}

// BenchSign measures s.Sign b.N times and reports the median as a metric
// and as a line "FIGURE <name> <median> ms".
func BenchSign(b *testing.B, name string, s tka.Signer) {
	ctx := context.Background()
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := s.Sign(ctx, Hash(i)); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	med := float64(ds[len(ds)/2].Microseconds()) / 1000
	b.ReportMetric(med, "ms-median")
	fmt.Printf("FIGURE %s %.3f ms\n", name, med)
}

// BenchBatch measures one Unlock and n signatures in its session b.N
// times and reports the median as a metric and as "FIGURE <name> <ms> ms".
func BenchBatch(b *testing.B, name string, k interface {
	Unlock(context.Context, string) (hsm.Session, error)
}, n int) {
	ctx := context.Background()
	var ds []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		s, err := k.Unlock(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		for j := range n {
			if _, err := s.Sign(ctx, Hash(i*n+j)); err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	med := float64(ds[len(ds)/2].Microseconds()) / 1000
	b.ReportMetric(med, "ms-median")
	fmt.Printf("FIGURE %s %.1f ms\n", name, med)
}
