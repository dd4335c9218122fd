package tka

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	ts "tailscale.com/tka"
)

// BenchmarkSerializeVsFxamacker measures why tka keeps its own CBOR
// encoder (codec.go): it writes the bytes fxamacker/cbor's CTAP2 mode
// writes (TestEncodingMatchesTailscale), without reflection. The same 200
// random AUMs are serialised by ours and by tailscale.com/tka, which
// encodes with fxamacker/cbor; decoding uses fxamacker in both.
func BenchmarkSerializeVsFxamacker(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	var ours []*AUM
	var theirs []ts.AUM
	for range 200 {
		u := randWireAUM(r)
		var t ts.AUM
		if err := t.Unserialize(u.Serialize()); err != nil {
			b.Fatal(err)
		}
		ours, theirs = append(ours, u), append(theirs, t)
	}
	var per [2]time.Duration
	b.Run("signet", func(b *testing.B) {
		for b.Loop() {
			for _, u := range ours {
				u.Serialize()
			}
		}
		per[0] = b.Elapsed() / time.Duration(b.N)
	})
	b.Run("fxamacker", func(b *testing.B) {
		for b.Loop() {
			for i := range theirs {
				theirs[i].Serialize()
			}
		}
		per[1] = b.Elapsed() / time.Duration(b.N)
	})
	if per[0] > 0 && per[1] > 0 {
		fmt.Printf("RATIO tka_serialize fxamacker/signet %.2f\n", float64(per[1])/float64(per[0]))
	}
}
