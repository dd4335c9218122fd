package qr

import "testing"

// FuzzEncode checks that Encode never panics and returns either an error
// or a code of a valid version whose size is 17+4v, for any data up to
// 3000 bytes at any level.
func FuzzEncode(f *testing.F) {
	f.Add([]byte("signet"), uint8(0))
	f.Add(make([]byte, 2953), uint8(0))
	f.Add(make([]byte, 2954), uint8(0))
	f.Add(make([]byte, 1273), uint8(3))
	f.Add([]byte{}, uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, level uint8) {
		if len(data) > 3000 {
			data = data[:3000]
		}
		l := Level(level % 5) // 4 is invalid on purpose
		c, err := Encode(data, l)
		if err != nil {
			if c != nil {
				t.Fatalf("Encode returned a code and an error: %v", err)
			}
			if l <= H && len(data) <= Capacity(maxVersion, l) {
				t.Fatalf("Encode(%d bytes, %s) failed: %v", len(data), l, err)
			}
			return
		}
		if c.Version < 1 || c.Version > maxVersion || c.Size != 17+4*c.Version {
			t.Fatalf("version %d, size %d", c.Version, c.Size)
		}
		if len(data) > Capacity(c.Version, l) || c.Version > 1 && len(data) <= Capacity(c.Version-1, l) {
			t.Fatalf("%d bytes in version %d-%s: not the smallest that fits", len(data), c.Version, l)
		}
		if !c.Black(0, 0) || c.Black(7, 7) || !c.Black(8, c.Size-8) {
			t.Fatal("finder pattern or dark module missing")
		}
	})
}
