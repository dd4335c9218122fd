package qr

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// TestQRFormatInfo checks all 32 format information words against ISO/IEC
// 18004 Annex C, Table C.1.
func TestQRFormatInfo(t *testing.T) {
	want := map[Level][8]string{
		L: {"111011111000100", "111001011110011", "111110110101010", "111100010011101",
			"110011000101111", "110001100011000", "110110001000001", "110100101110110"},
		M: {"101010000010010", "101000100100101", "101111001111100", "101101101001011",
			"100010111111001", "100000011001110", "100111110010111", "100101010100000"},
		Q: {"011010101011111", "011000001101000", "011111100110001", "011101000000110",
			"010010010110100", "010000110000011", "010111011011010", "010101111101101"},
		H: {"001011010001001", "001001110111110", "001110011100111", "001100111010000",
			"000011101100010", "000001001010101", "000110100001100", "000100000111011"},
	}
	for l, words := range want {
		for mask, w := range words {
			got := fmt.Sprintf("%015b", formatInfo(l, mask))
			if got != w {
				t.Errorf("format info %s mask %d = %s, want %s", l, mask, got, w)
			}
		}
	}
}

// TestQRVersionInfo checks version information words against ISO/IEC
// 18004 Annex D, Table D.1.
func TestQRVersionInfo(t *testing.T) {
	for v, want := range map[int]string{
		7:  "000111110010010100", // the standard's worked example
		8:  "001000010110111100",
		10: "001010010011010011",
		20: "010100100110100110",
		40: "101000110001101001",
	} {
		if got := fmt.Sprintf("%018b", versionInfo(v)); got != want {
			t.Errorf("version info %d = %s, want %s", v, got, want)
		}
	}
}

func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, f := range bytes.Fields([]byte(s)) {
		b, err := strconv.ParseUint(string(f), 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, byte(b))
	}
	return out
}

// TestQRRemainderVectors checks the error-correction codewords of two
// published version 1-M examples: "01234567" in numeric mode (ISO/IEC
// 18004 Annex I) and "HELLO WORLD" in alphanumeric mode.
func TestQRRemainderVectors(t *testing.T) {
	for _, tc := range []struct{ name, data, ec string }{
		{"01234567", "10 20 0C 56 61 80 EC 11 EC 11 EC 11 EC 11 EC 11",
			"A5 24 D4 C1 ED 36 C7 87 2C 55"},
		{"HELLO WORLD", "20 5B 0B 78 D1 72 DC 4D 43 40 EC 11 EC 11 EC 11",
			"C4 23 27 77 EB D7 E7 E2 5D 17"},
	} {
		data := hexBytes(t, tc.data)
		got := remainder(data, generator(10))
		if want := hexBytes(t, tc.ec); !bytes.Equal(got, want) {
			t.Errorf("%s: EC codewords % X, want % X", tc.name, got, want)
		}
	}
}

// evalPoly evaluates the polynomial with coefficients p (highest degree
// first) at x, by Horner's rule.
func evalPoly(p []byte, x byte) byte {
	var y byte
	for _, c := range p {
		y = gfMul(y, x) ^ c
	}
	return y
}

// TestQRRemainderRoots checks the defining property of the code: data
// followed by its EC codewords is a multiple of the generator, so it is
// zero at α^0 ... α^(n-1), for every EC length the tables use.
func TestQRRemainderRoots(t *testing.T) {
	data := []byte("signet: a 32-byte value, and then some more bytes")
	for _, n := range []int{7, 10, 13, 15, 16, 17, 18, 20, 22, 24, 26, 28, 30} {
		cw := append(append([]byte(nil), data...), remainder(data, generator(n))...)
		for i := 0; i < n; i++ {
			if s := evalPoly(cw, gfExp[i]); s != 0 {
				t.Errorf("n=%d: codeword is %#x at α^%d, want 0", n, s, i)
			}
		}
		if s := evalPoly(cw, gfExp[n]); s == 0 {
			t.Errorf("n=%d: codeword is also zero at α^%d; the generator has a wrong root", n, n)
		}
	}
}

// TestQRDataCodewords checks the tables against the data capacities the
// standard lists in Table 7.
func TestQRDataCodewords(t *testing.T) {
	for _, tc := range []struct {
		v          int
		l, m, q, h int
	}{
		{1, 19, 16, 13, 9}, {2, 34, 28, 22, 16}, {5, 108, 86, 62, 46},
		{7, 156, 124, 88, 66}, {10, 274, 216, 154, 122}, {20, 861, 669, 485, 385},
		{40, 2956, 2334, 1666, 1276},
	} {
		for l, want := range []int{tc.l, tc.m, tc.q, tc.h} {
			if got := dataCodewords(tc.v, Level(l)); got != want {
				t.Errorf("version %d-%s: %d data codewords, want %d", tc.v, Level(l), got, want)
			}
		}
	}
	if got := Capacity(40, L); got != 2953 {
		t.Errorf("Capacity(40, L) = %d, want 2953", got)
	}
}

// TestQRRawModules counts the modules left free by the function patterns
// and compares with rawModules and the total codewords (Table 1).
func TestQRRawModules(t *testing.T) {
	total := map[int]int{1: 26, 2: 44, 6: 172, 7: 196, 14: 581, 21: 1156, 40: 3706}
	for v := 1; v <= maxVersion; v++ {
		m := newMatrix(v)
		m.drawFunctionPatterns(v)
		free := 0
		for _, f := range m.fn {
			if !f {
				free++
			}
		}
		if free != rawModules(v) {
			t.Errorf("version %d: %d free modules, rawModules says %d", v, free, rawModules(v))
		}
		if w, ok := total[v]; ok && free/8 != w {
			t.Errorf("version %d: %d codewords, want %d", v, free/8, w)
		}
		for l := L; l <= H; l++ {
			if short := free/8/blockCount[l][v] - ecCodewordsPerBlock[l][v]; short < ecCodewordsPerBlock[l][v]/2 {
				t.Errorf("version %d-%s: %d data codewords per block cannot carry %d EC codewords",
					v, l, short, ecCodewordsPerBlock[l][v])
			}
		}
	}
}

// TestQRAlignmentCenters checks the shape of Table E.1: the first centre is
// 6, the last is 7 modules from the far edge, there are v/7+2 of them and
// the gaps after the first are equal and even.
func TestQRAlignmentCenters(t *testing.T) {
	for v := 2; v <= maxVersion; v++ {
		cs := alignmentCenters[v]
		if len(cs) != v/7+2 || cs[0] != 6 || cs[len(cs)-1] != 17+4*v-7 {
			t.Errorf("version %d: centres %v", v, cs)
			continue
		}
		for i := 2; i < len(cs); i++ {
			if g := cs[i] - cs[i-1]; g != cs[len(cs)-1]-cs[len(cs)-2] || g%2 != 0 {
				t.Errorf("version %d: uneven gaps in %v", v, cs)
			}
		}
	}
}

// TestQRVersionChoice checks the smallest version is chosen at the edges of
// each version's capacity, and the size matches it.
func TestQRVersionChoice(t *testing.T) {
	for l := L; l <= H; l++ {
		for v := 1; v <= maxVersion; v++ {
			n := Capacity(v, l)
			c, err := Encode(make([]byte, n), l)
			if err != nil {
				t.Fatalf("%d bytes at %s: %v", n, l, err)
			}
			if c.Version != v || c.Size != 17+4*v || len(c.dark) != c.Size*c.Size {
				t.Errorf("%d bytes at %s: version %d size %d, want version %d", n, l, c.Version, c.Size, v)
			}
			if v < maxVersion {
				if c, _ := Encode(make([]byte, n+1), l); c.Version != v+1 {
					t.Errorf("%d bytes at %s: version %d, want %d", n+1, l, c.Version, v+1)
				}
			}
		}
		_, err := Encode(make([]byte, Capacity(maxVersion, l)+1), l)
		if !errors.Is(err, ErrTooLong) {
			t.Errorf("too long at %s: err = %v, want ErrTooLong", l, err)
		}
	}
	if _, err := Encode(nil, Level(4)); !errors.Is(err, ErrBadLevel) {
		t.Errorf("level 4: err = %v, want ErrBadLevel", err)
	}
}

// TestQRDataStream checks the bit stream of a short message byte by byte.
func TestQRDataStream(t *testing.T) {
	got := dataStream([]byte("hi"), 1, H) // 9 data codewords
	want := []byte{
		0x40,                         // 0100: byte mode; high nibble of the count 2
		0x26,                         // low nibble of the count; high nibble of 'h' (0x68)
		0x86,                         // low nibble of 'h'; high nibble of 'i' (0x69)
		0x90,                         // low nibble of 'i'; 0000 terminator
		0xEC, 0x11, 0xEC, 0x11, 0xEC, // pad codewords
	}
	if !bytes.Equal(got, want) {
		t.Errorf("dataStream = % X, want % X", got, want)
	}
}

// TestQRFunctionPatterns spot-checks a version 7 symbol's fixed modules.
func TestQRFunctionPatterns(t *testing.T) {
	c, err := Encode(make([]byte, Capacity(7, M)), M)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Size
	checks := []struct {
		x, y int
		dark bool
		what string
	}{
		{0, 0, true, "finder corner"}, {3, 3, true, "finder centre"}, {2, 1, false, "finder light ring"},
		{7, 7, false, "separator"}, {n - 8, 0, false, "top-right separator"},
		{8, 6, true, "timing start"}, {9, 6, false, "timing"}, {6, 10, true, "timing column"},
		{8, n - 8, true, "dark module"}, {22, 22, true, "alignment centre"}, {21, 22, false, "alignment ring"},
		{6, 22, true, "alignment on the timing column"}, {-1, 0, false, "quiet zone"},
	}
	for _, ck := range checks {
		if got := c.Black(ck.x, ck.y); got != ck.dark {
			t.Errorf("%s (%d,%d): dark = %v, want %v", ck.what, ck.x, ck.y, got, ck.dark)
		}
	}
	info := versionInfo(7)
	for i := 0; i < 18; i++ {
		want := info>>uint(i)&1 == 1
		if c.Black(n-11+i%3, i/3) != want || c.Black(i/3, n-11+i%3) != want {
			t.Errorf("version info bit %d misplaced", i)
		}
	}
}
