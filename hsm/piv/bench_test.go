package piv

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkSignPCSCD signs through piv-go, pcscd, vpcd and the emulator
// (PIN once, no touch) and reports the median round trip.
func BenchmarkSignPCSCD(b *testing.B) {
	testCard(b)
	k := provision(b, ProvisionOptions{TouchPolicy: TouchNever}, &prompt{})
	ctx := context.Background()
	if _, err := k.Sign(ctx, hashOf(0)); err != nil { // verify the PIN once
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := k.Sign(ctx, hashOf(i)); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	median := float64(times[len(times)/2]) / float64(time.Millisecond)
	b.ReportMetric(median, "ms/op-median")
	fmt.Printf("FIGURE sign-piv-vpcd %.3f ms\n", median)
}
