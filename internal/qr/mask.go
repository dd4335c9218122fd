package qr

// maskBit reports whether data mask pattern k inverts the module in row
// i, column j (ISO/IEC 18004 7.8.2, Table 10).
func maskBit(k, i, j int) bool {
	switch k {
	case 0:
		return (i+j)%2 == 0
	case 1:
		return i%2 == 0
	case 2:
		return j%3 == 0
	case 3:
		return (i+j)%3 == 0
	case 4:
		return (i/2+j/3)%2 == 0
	case 5:
		return (i*j)%2+(i*j)%3 == 0
	case 6:
		return ((i*j)%2+(i*j)%3)%2 == 0
	default:
		return ((i+j)%2+(i*j)%3)%2 == 0
	}
}

// applyMask inverts the data modules that mask k selects.
func (m *matrix) applyMask(k int) {
	for i := 0; i < m.size; i++ {
		for j := 0; j < m.size; j++ {
			if p := i*m.size + j; !m.fn[p] && maskBit(k, i, j) {
				m.dark[p] = !m.dark[p]
			}
		}
	}
}

// Penalty weights N1 to N4 (ISO/IEC 18004 7.8.3, Table 11).
const (
	penaltyN1 = 3
	penaltyN2 = 3
	penaltyN3 = 40
	penaltyN4 = 10
)

// penalty scores the whole symbol by the four rules of ISO/IEC 18004
// 7.8.3.1; the mask with the lowest score is used.
func (m *matrix) penalty() int {
	n := m.size
	score := 0
	col := make([]bool, n)
	for i := 0; i < n; i++ {
		row := m.dark[i*n : (i+1)*n]
		for k := range col {
			col[k] = m.dark[k*n+i]
		}
		score += lineRuns(row) + lineFinderLike(row)
		score += lineRuns(col) + lineFinderLike(col)
	}
	darkCount := 0
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			d := m.dark[y*n+x]
			if d {
				darkCount++
			}
			if x+1 < n && y+1 < n && d == m.dark[y*n+x+1] && d == m.dark[(y+1)*n+x] && d == m.dark[(y+1)*n+x+1] {
				score += penaltyN2 // rule 2: each 2x2 block of one colour
			}
		}
	}
	// Rule 4: N4 for every full 5% the dark share is away from 50%.
	total := n * n
	dev := abs(darkCount*20 - total*10) // 20 * |dark/total - 50%| * total
	score += dev / total * penaltyN4
	return score
}

// lineRuns is rule 1 for one row or column: N1 + (len-5) for each run of
// five or more modules of one colour.
func lineRuns(line []bool) int {
	score, run := 0, 0
	for k := range line {
		if k > 0 && line[k] == line[k-1] {
			run++
		} else {
			run = 1
		}
		if run == 5 {
			score += penaltyN1
		} else if run > 5 {
			score++
		}
	}
	return score
}

// lineFinderLike is rule 3 for one row or column: N3 for each
// dark-light-dark-dark-dark-light-dark (1:1:3:1:1) pattern with four light
// modules before or after it, outside the symbol counting as light.
func lineFinderLike(line []bool) int {
	pattern := [7]bool{true, false, true, true, true, false, true}
	n := len(line)
	light := func(from, to int) bool { // [from, to) is all light
		for k := max(from, 0); k < min(to, n); k++ {
			if line[k] {
				return false
			}
		}
		return true
	}
	score := 0
	for k := 0; k+7 <= n; k++ {
		match := true
		for p := 0; p < 7 && match; p++ {
			match = line[k+p] == pattern[p]
		}
		if match && (light(k-4, k) || light(k+7, k+11)) {
			score += penaltyN3
		}
	}
	return score
}

// bchRemainder returns the remainder of value*x^deg(poly) divided by poly,
// over GF(2).
func bchRemainder(value, poly uint32, deg int) uint32 {
	r := value << uint(deg)
	for i := 31; i >= deg; i-- {
		if r>>uint(i)&1 == 1 {
			r ^= poly << uint(i-deg)
		}
	}
	return r
}

// formatInfo is the 15-bit format information for level l and mask: the
// level's two bits and the mask's three, a BCH(15,5) code with generator
// x^10+x^8+x^5+x^4+x^2+x+1, XORed with 101010000010010
// (ISO/IEC 18004 7.9.1).
func formatInfo(l Level, mask int) uint32 {
	data := l.formatBits()<<3 | uint32(mask)
	return (data<<10 | bchRemainder(data, 0x537, 10)) ^ 0x5412
}

// versionInfo is the 18-bit version information: six bits of version and
// a BCH(18,6) code with generator x^12+x^11+x^10+x^9+x^8+x^5+x^2+1
// (ISO/IEC 18004 7.10).
func versionInfo(v int) uint32 {
	return uint32(v)<<12 | bchRemainder(uint32(v), 0x1f25, 12)
}
