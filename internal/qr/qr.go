// Package qr encodes bytes as a QR code (ISO/IEC 18004, model 2), so the
// console can show a result or a secret for transfer to an air-gapped
// machine or to paper.
//
// It supports byte mode only, all four error-correction levels and
// versions 1 to 40. [Encode] picks the smallest version that holds the
// data and the mask with the lowest penalty score.
//
// # Why not a library
//
// The console shows disablement secrets with this package, and it clears
// every buffer that held the data (the bit stream, the codewords) and,
// through [Code.Wipe], the symbol. github.com/piglig/go-qr, a maintained
// port of Project Nayuki's reference encoder, takes the same data and
// makes the same codes (the same version for every payload and level in
// compare_test.go) 2 to 7 times faster, but keeps four copies of the data
// and the symbol in buffers it never clears. Ours takes at most about
// 100 ms for the largest code, on a screen a person then reads; it stays
// until a library can encode into memory we can wipe.
package qr

import (
	"errors"
	"fmt"
)

// Level is an error-correction level. Higher levels recover from more
// damage and hold less data.
type Level int

// The error-correction levels, from the least to the most redundant.
// Do NOT reorder: the tables index by Level.
const (
	L Level = iota // recovers about 7% of the codewords
	M              // about 15%
	Q              // about 25%
	H              // about 30%
)

// String returns the level's letter.
func (l Level) String() string {
	if l < L || l > H {
		return fmt.Sprintf("Level?<%d>", int(l))
	}
	return string("LMQH"[l])
}

// formatBits are the level's two bits in the format information
// (ISO/IEC 18004 Table 12): L is 01, M 00, Q 11, H 10.
func (l Level) formatBits() uint32 {
	return [4]uint32{1, 0, 3, 2}[l]
}

// Errors from Encode.
var (
	ErrTooLong  = errors.New("qr: the data does not fit in a version 40 code")
	ErrBadLevel = errors.New("qr: unknown error-correction level")
)

// Code is an encoded QR symbol: a square of Size x Size modules, without
// the quiet zone around it.
type Code struct {
	Size    int   // modules per side: 17 + 4*Version
	Version int   // 1 to 40
	Level   Level // the error-correction level
	Mask    int   // the data mask applied, 0 to 7

	dark []bool // row-major, Size*Size
}

// Black reports whether the module in column x, row y is dark. Modules
// outside the symbol (the quiet zone) are light.
func (c *Code) Black(x, y int) bool {
	if x < 0 || y < 0 || x >= c.Size || y >= c.Size {
		return false
	}
	return c.dark[y*c.Size+x]
}

// Encode returns data as a byte-mode QR code at the given level, in the
// smallest version that holds it. It fails with [ErrTooLong] when even
// version 40 is too small.
func Encode(data []byte, level Level) (*Code, error) {
	if level < L || level > H {
		return nil, fmt.Errorf("%w: %d", ErrBadLevel, int(level))
	}
	version := 0
	for v := 1; v <= maxVersion; v++ {
		if byteModeBits(v, len(data)) <= 8*dataCodewords(v, level) {
			version = v
			break
		}
	}
	if version == 0 {
		return nil, fmt.Errorf("%w at level %s (%d bytes, at most %d)",
			ErrTooLong, level, len(data), Capacity(maxVersion, level))
	}
	stream := dataStream(data, version, level)
	codewords := interleave(version, level, stream)
	defer clear(stream) // the data may be a secret: leave no copies
	defer clear(codewords)
	return build(version, level, codewords), nil
}

// Wipe sets every module light, for codes that showed a secret.
func (c *Code) Wipe() { clear(c.dark) }

// Capacity is how many bytes a code of version v at level l holds in
// byte mode.
func Capacity(v int, l Level) int {
	return (8*dataCodewords(v, l) - 4 - countBits(v)) / 8
}

// countBits is the length of byte mode's character count indicator
// (ISO/IEC 18004 Table 3).
func countBits(v int) int {
	if v <= 9 {
		return 8
	}
	return 16
}

// byteModeBits is the length of one byte-mode segment holding n bytes:
// mode indicator, character count and data.
func byteModeBits(v, n int) int {
	if n >= 1<<countBits(v) {
		return 1 << 30 // the count does not fit
	}
	return 4 + countBits(v) + 8*n
}

// bitWriter appends bits, most significant first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

// write appends the low nbits of v.
func (w *bitWriter) write(v uint32, nbits int) {
	for i := nbits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.buf[w.n/8] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// dataStream returns the data codewords: the byte-mode segment, the
// terminator, zero bits to a byte boundary and the pad codewords 0xEC,
// 0x11 alternating (ISO/IEC 18004 7.4.9 and 7.4.10).
func dataStream(data []byte, v int, l Level) []byte {
	capBits := 8 * dataCodewords(v, l)
	w := &bitWriter{}
	w.write(0b0100, 4) // byte mode
	w.write(uint32(len(data)), countBits(v))
	for _, b := range data {
		w.write(uint32(b), 8)
	}
	w.write(0, min(4, capBits-w.n))
	w.write(0, (8-w.n%8)%8)
	for pad := uint32(0xEC); w.n < capBits; pad ^= 0xEC ^ 0x11 {
		w.write(pad, 8)
	}
	return w.buf
}

// interleave splits the data codewords into blocks, appends each block's
// error-correction codewords and interleaves them (ISO/IEC 18004 7.6).
// Blocks in the second group hold one data codeword more than those in
// the first.
func interleave(v int, l Level, data []byte) []byte {
	nblocks := blockCount[l][v]
	ecLen := ecCodewordsPerBlock[l][v]
	total := rawModules(v) / 8
	short := total/nblocks - ecLen // data codewords in a first-group block
	nshort := nblocks - total%nblocks
	gen := generator(ecLen)
	blocks := make([][]byte, nblocks)
	ecs := make([][]byte, nblocks)
	for i, off := 0, 0; i < nblocks; i++ {
		n := short
		if i >= nshort {
			n++
		}
		blocks[i] = data[off : off+n]
		ecs[i] = remainder(blocks[i], gen)
		off += n
	}
	out := make([]byte, 0, total)
	for i := 0; i <= short; i++ {
		for _, b := range blocks {
			if i < len(b) {
				out = append(out, b[i])
			}
		}
	}
	for i := 0; i < ecLen; i++ {
		for _, e := range ecs {
			out = append(out, e[i])
		}
	}
	return out
}
