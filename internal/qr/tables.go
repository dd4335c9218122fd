package qr

// maxVersion is the largest QR code version (177 x 177 modules).
const maxVersion = 40

// ecCodewordsPerBlock is the number of error-correction codewords in each
// block, by level and version (index 0 unused). From ISO/IEC 18004
// Table 9, "Error correction characteristics for QR Code": the (c, k)
// pairs give c-k error-correction codewords, the same for every block of
// a version and level.
var ecCodewordsPerBlock = [4][maxVersion + 1]int{
	L: {0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
		28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	M: {0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
		26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28},
	Q: {0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
		28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
	H: {0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
		30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30},
}

// blockCount is the number of error-correction blocks (both groups
// together), by level and version (index 0 unused). From ISO/IEC 18004
// Table 9. How the codewords split between the two groups follows from
// the total: the second group's blocks hold one data codeword more.
var blockCount = [4][maxVersion + 1]int{
	L: {0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
		8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25},
	M: {0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
		17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49},
	Q: {0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
		23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68},
	H: {0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
		25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81},
}

// alignmentCenters lists the row and column coordinates of the alignment
// patterns' centres, by version (versions 0 and 1 have none). From
// ISO/IEC 18004 Annex E, Table E.1, "Row/column coordinates of center
// module of alignment patterns". A pattern sits at every pair of listed
// coordinates except the three pairs that fall on a finder pattern.
var alignmentCenters = [maxVersion + 1][]int{
	2: {6, 18}, 3: {6, 22}, 4: {6, 26}, 5: {6, 30}, 6: {6, 34},
	7: {6, 22, 38}, 8: {6, 24, 42}, 9: {6, 26, 46}, 10: {6, 28, 50},
	11: {6, 30, 54}, 12: {6, 32, 58}, 13: {6, 34, 62},
	14: {6, 26, 46, 66}, 15: {6, 26, 48, 70}, 16: {6, 26, 50, 74},
	17: {6, 30, 54, 78}, 18: {6, 30, 56, 82}, 19: {6, 30, 58, 86}, 20: {6, 34, 62, 90},
	21: {6, 28, 50, 72, 94}, 22: {6, 26, 50, 74, 98}, 23: {6, 30, 54, 78, 102},
	24: {6, 28, 54, 80, 106}, 25: {6, 32, 58, 84, 110}, 26: {6, 30, 58, 86, 114},
	27: {6, 34, 62, 90, 118},
	28: {6, 26, 50, 74, 98, 122}, 29: {6, 30, 54, 78, 102, 126}, 30: {6, 26, 52, 78, 104, 130},
	31: {6, 30, 56, 82, 108, 134}, 32: {6, 34, 60, 86, 112, 138}, 33: {6, 30, 58, 86, 114, 142},
	34: {6, 34, 62, 90, 118, 146},
	35: {6, 30, 54, 78, 102, 126, 150}, 36: {6, 24, 50, 76, 102, 128, 154},
	37: {6, 28, 54, 80, 106, 132, 158}, 38: {6, 32, 58, 84, 110, 136, 162},
	39: {6, 26, 54, 82, 110, 138, 166}, 40: {6, 30, 58, 86, 114, 142, 170},
}

// rawModules is how many modules of version v carry codewords (data and
// error correction, plus the remainder bits): all modules less the
// function patterns. ISO/IEC 18004 Table 1 lists the result per version.
func rawModules(v int) int {
	size := 17 + 4*v
	n := size * size
	n -= 3 * 64          // finder patterns with their separators
	n -= 2 * (size - 16) // timing patterns between the separators
	n -= 2*15 + 1        // two copies of the format information, the dark module
	if k := len(alignmentCenters[v]); k > 0 {
		// k*k-3 patterns of 25 modules; 2*(k-2) of them overlap a
		// timing pattern by 5 modules.
		n -= 25*(k*k-3) - 10*(k-2)
	}
	if v >= 7 {
		n -= 2 * 18 // two copies of the version information
	}
	return n
}

// dataCodewords is how many data codewords version v at level l holds.
func dataCodewords(v int, l Level) int {
	return rawModules(v)/8 - blockCount[l][v]*ecCodewordsPerBlock[l][v]
}
