package tka

import (
	"encoding/binary"
	"slices"

	"github.com/fxamacker/cbor/v2"
)

// decMode decodes CBOR strictly: duplicate map keys, indefinite lengths and
// tags are refused, and containers and nesting are capped (see limits.go).
// These are the options tailscale.com/tka decodes with, so both accept and
// refuse the same inputs.
var decMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  maxNesting,
		MaxArrayElements: maxArrayElements,
		MaxMapPairs:      maxMapPairs,
	}.DecMode()
	if err != nil {
		panic("tka: bad CBOR decoder options: " + err.Error())
	}
	return m
}()

// enc builds canonical CTAP2 CBOR: shortest-form heads, definite lengths,
// map keys sorted shortest first then bytewise. It writes exactly what
// fxamacker/cbor's CTAP2 mode writes for the wire types of this package
// (the conformance tests compare the two byte for byte), without
// reflection.
type enc struct{ b []byte }

// CBOR major types.
const (
	majUint  = 0 << 5
	majBytes = 2 << 5
	majText  = 3 << 5
	majArray = 4 << 5
	majMap   = 5 << 5
	cborNull = 0xf6
)

func (e *enc) head(major byte, n uint64) {
	switch {
	case n < 24:
		e.b = append(e.b, major|byte(n))
	case n <= 0xff:
		e.b = append(e.b, major|24, byte(n))
	case n <= 0xffff:
		e.b = append(e.b, major|25)
		e.b = binary.BigEndian.AppendUint16(e.b, uint16(n))
	case n <= 0xffffffff:
		e.b = append(e.b, major|26)
		e.b = binary.BigEndian.AppendUint32(e.b, uint32(n))
	default:
		e.b = append(e.b, major|27)
		e.b = binary.BigEndian.AppendUint64(e.b, n)
	}
}

func (e *enc) uint(n uint64) { e.head(majUint, n) }

// key writes a small integer map key (all keys of the wire types are < 24).
func (e *enc) key(k byte) { e.b = append(e.b, majUint|k) }

// bytes writes a byte string; a nil slice is CBOR null, as fxamacker writes
// a nil slice field without omitempty.
func (e *enc) bytes(p []byte) {
	if p == nil {
		e.b = append(e.b, cborNull)
		return
	}
	e.head(majBytes, uint64(len(p)))
	e.b = append(e.b, p...)
}

func (e *enc) text(s string) {
	e.head(majText, uint64(len(s)))
	e.b = append(e.b, s...)
}

// textMap writes a map of strings with CTAP2 key order: a shorter key
// first, then bytewise.
func (e *enc) textMap(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	e.head(majMap, uint64(len(m)))
	for _, k := range keys {
		e.text(k)
		e.text(m[k])
	}
}

// mapHeader writes the head of a map with n pairs.
func (e *enc) mapHeader(n int) { e.head(majMap, uint64(n)) }

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
