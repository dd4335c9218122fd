package piv

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkSignPCSCD signs through piv-go, pcscd, vpcd and the emulator
// (PIN once, no touch) in one session and reports the median round trip.
func BenchmarkSignPCSCD(b *testing.B) {
	testCard(b)
	k := provision(b, ProvisionOptions{TouchPolicy: TouchNever}, &prompt{})
	ctx := context.Background()
	sess, err := k.Unlock(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := sess.Sign(ctx, hashOf(i)); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	median := float64(times[len(times)/2]) / float64(time.Millisecond)
	b.ReportMetric(median, "ms/op-median")
	fmt.Printf("FIGURE sign-piv-vpcd %.3f ms\n", median)
}

// BenchmarkBatch1000PCSCD unlocks once (one PIN) and signs 1,000 hashes
// on the virtual card, as an approved batch of 1,000 does (PIN once, no
// touch), and reports the median time per batch.
func BenchmarkBatch1000PCSCD(b *testing.B) {
	testCard(b)
	p := &prompt{}
	k := provision(b, ProvisionOptions{TouchPolicy: TouchNever}, p)
	ctx := context.Background()
	var times []time.Duration
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		sess, err := k.Unlock(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		for j := range 1000 {
			if _, err := sess.Sign(ctx, hashOf(i*1000+j)); err != nil {
				b.Fatal(err)
			}
		}
		sess.Close()
		times = append(times, time.Since(start))
	}
	if p.count() != len(times) {
		b.Fatalf("PIN asked %d times for %d batches", p.count(), len(times))
	}
	slices.Sort(times)
	median := float64(times[len(times)/2]) / float64(time.Millisecond)
	b.ReportMetric(median, "ms-median")
	fmt.Printf("FIGURE batch-1000-piv-vpcd %.1f ms\n", median)
}
