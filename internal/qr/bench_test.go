package qr

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkEncode times Encode for a hex node-key signature (version 12)
// and for a full version 40 code.
func BenchmarkEncode(b *testing.B) {
	for _, n := range []int{360, Capacity(maxVersion, L)} {
		data := pattern(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Encode(data, L); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			fmt.Printf("FIGURE qr_encode_%d_bytes %d us\n", n, per.Microseconds())
		})
	}
}
