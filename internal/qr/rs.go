package qr

// Reed-Solomon error correction over GF(256) as ISO/IEC 18004 7.5.2
// defines it: the field's reducing polynomial is x^8+x^4+x^3+x^2+1
// (0x11d), its primitive element α is 2, and the generator polynomial of
// degree n is (x-α^0)(x-α^1)...(x-α^(n-1)).

// gfExp and gfLog are the field's exponent and logarithm tables; gfExp is
// doubled so a product's exponent sum needs no reduction.
var gfExp, gfLog = gfTables()

func gfTables() (exp [510]byte, log [256]byte) {
	x := 1
	for i := 0; i < 255; i++ {
		exp[i], exp[i+255] = byte(x), byte(x)
		log[x] = byte(i)
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11d
		}
	}
	return exp, log
}

// gfMul multiplies two field elements.
func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[int(gfLog[a])+int(gfLog[b])]
}

// generator returns the generator polynomial of degree n, its
// coefficients from x^n (always 1, left out) down to x^0.
func generator(n int) []byte {
	g := make([]byte, n+1)
	g[0] = 1 // g = 1, highest degree first
	for i := 0; i < n; i++ {
		// g *= (x - α^i); minus is plus in GF(2^8).
		root := gfExp[i]
		for j := i + 1; j > 0; j-- {
			g[j] ^= gfMul(g[j-1], root)
		}
	}
	return g[1:]
}

// remainder returns the error-correction codewords of data: the
// remainder of data(x)*x^n divided by the generator of degree n = len(gen).
func remainder(data, gen []byte) []byte {
	rem := make([]byte, len(gen))
	for _, b := range data {
		f := b ^ rem[0]
		copy(rem, rem[1:])
		rem[len(rem)-1] = 0
		for i, g := range gen {
			rem[i] ^= gfMul(g, f)
		}
	}
	return rem
}
