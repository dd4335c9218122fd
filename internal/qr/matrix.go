package qr

// matrix is a symbol being built: the modules' colours and which modules
// belong to function patterns (and so are neither data nor masked).
type matrix struct {
	size int
	dark []bool
	fn   []bool
}

func newMatrix(v int) *matrix {
	size := 17 + 4*v
	return &matrix{size: size, dark: make([]bool, size*size), fn: make([]bool, size*size)}
}

// setFn sets the function module at column x, row y.
func (m *matrix) setFn(x, y int, dark bool) {
	m.dark[y*m.size+x] = dark
	m.fn[y*m.size+x] = true
}

// build lays out a symbol of version v holding the interleaved codewords
// and applies the mask with the lowest penalty.
func build(v int, l Level, codewords []byte) *Code {
	m := newMatrix(v)
	m.drawFunctionPatterns(v)
	m.placeCodewords(codewords)
	best, bestScore := -1, 0
	for mask := 0; mask < 8; mask++ {
		m.applyMask(mask)
		m.drawFormat(l, mask)
		if score := m.penalty(); best < 0 || score < bestScore {
			best, bestScore = mask, score
		}
		m.applyMask(mask) // masking twice undoes it
	}
	m.applyMask(best)
	m.drawFormat(l, best)
	return &Code{Size: m.size, Version: v, Level: l, Mask: best, dark: m.dark}
}

// drawFunctionPatterns draws the finder patterns with their separators,
// the timing patterns, the alignment patterns and the version
// information, and reserves the format information's modules (drawn
// with each mask) including the dark module (ISO/IEC 18004 6.3).
func (m *matrix) drawFunctionPatterns(v int) {
	n := m.size
	for i := 8; i < n-8; i++ { // timing patterns: dark at even positions
		m.setFn(i, 6, i%2 == 0)
		m.setFn(6, i, i%2 == 0)
	}
	m.drawFinder(3, 3)
	m.drawFinder(n-4, 3)
	m.drawFinder(3, n-4)
	cs := alignmentCenters[v]
	for i, cy := range cs {
		for j, cx := range cs {
			first, last := 0, len(cs)-1
			if i == first && j == first || i == first && j == last || i == last && j == first {
				continue // a finder pattern is there
			}
			m.drawAlignment(cx, cy)
		}
	}
	m.drawFormat(L, 0) // reserves the modules; overwritten per mask
	if v >= 7 {
		m.drawVersion(v)
	}
}

// drawFinder draws a 7x7 finder pattern centred on (cx, cy) and the light
// separator around it, clipped to the symbol.
func (m *matrix) drawFinder(cx, cy int) {
	for dy := -4; dy <= 4; dy++ {
		for dx := -4; dx <= 4; dx++ {
			x, y := cx+dx, cy+dy
			if x < 0 || y < 0 || x >= m.size || y >= m.size {
				continue
			}
			d := max(abs(dx), abs(dy)) // ring: 0-1 dark core, 2 light, 3 dark, 4 separator
			m.setFn(x, y, d != 2 && d != 4)
		}
	}
}

// drawAlignment draws a 5x5 alignment pattern centred on (cx, cy).
func (m *matrix) drawAlignment(cx, cy int) {
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			m.setFn(cx+dx, cy+dy, max(abs(dx), abs(dy)) != 1)
		}
	}
}

// drawFormat draws both copies of the format information for level l and
// mask, and the dark module beside the bottom-left finder
// (ISO/IEC 18004 7.9.1, Figure 25). Bit 14 is the most significant.
func (m *matrix) drawFormat(l Level, mask int) {
	f := formatInfo(l, mask)
	bit := func(i int) bool { return f>>uint(i)&1 == 1 }
	n := m.size
	for i := 0; i < 15; i++ {
		// First copy, around the top-left finder: bits 0-7 run down
		// column 8 (skipping the timing row), bits 8-14 run left along
		// row 8 (skipping the timing column).
		switch {
		case i < 6:
			m.setFn(8, i, bit(i))
		case i < 8:
			m.setFn(8, i+1, bit(i))
		case i == 8:
			m.setFn(7, 8, bit(i))
		default:
			m.setFn(14-i, 8, bit(i))
		}
		// Second copy: bits 0-7 right to left along row 8 under the
		// top-right finder, bits 8-14 down column 8 beside the
		// bottom-left finder.
		if i < 8 {
			m.setFn(n-1-i, 8, bit(i))
		} else {
			m.setFn(8, n-15+i, bit(i))
		}
	}
	m.setFn(8, n-8, true)
}

// drawVersion draws both copies of the 18-bit version information
// (ISO/IEC 18004 7.10, Figure 27): bit i goes to column n-11+i%3, row
// i/3 above the top-right finder and mirrored beside the bottom-left one.
func (m *matrix) drawVersion(v int) {
	info := versionInfo(v)
	for i := 0; i < 18; i++ {
		d := info>>uint(i)&1 == 1
		a, b := m.size-11+i%3, i/3
		m.setFn(a, b, d)
		m.setFn(b, a, d)
	}
}

// placeCodewords puts the codewords' bits, most significant first, into
// the non-function modules: two columns at a time from the right edge,
// upwards then downwards in turn, right module before left, skipping the
// vertical timing column (ISO/IEC 18004 7.7.3). Remainder bits are light.
func (m *matrix) placeCodewords(cw []byte) {
	n, i := m.size, 0
	up := true
	for right := n - 1; right > 0; right -= 2 {
		if right == 6 {
			right = 5
		}
		for k := 0; k < n; k++ {
			y := k
			if up {
				y = n - 1 - k
			}
			for x := right; x >= right-1; x-- {
				if m.fn[y*n+x] {
					continue
				}
				if i < 8*len(cw) {
					m.dark[y*n+x] = cw[i/8]>>uint(7-i%8)&1 == 1
				}
				i++
			}
		}
		up = !up
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
