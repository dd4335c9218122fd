package signer

// Rules for this file: everything the console prints that came from a
// request goes through Sanitize first. Its output holds only printable
// runes and the ASCII space, so a claim cannot move the cursor, change
// colours, set the window title, reorder text (bidi overrides) or hide
// text (zero-width and blank-looking runes).

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// claimMaxRunes caps how many columns of one claim the console shows
// (after Sanitize, so escapes count): enough for a
// host name or an OS string, and a flood of text cannot push the approval
// code off the screen.
const claimMaxRunes = 64

// claimNameMaxRunes caps a claim's name ("hostname", "os").
const claimNameMaxRunes = 24

// invisibleGraphic lists runes that Unicode calls graphic but that print as
// blank, so a claim could use them to look empty or to pad text.
var invisibleGraphic = map[rune]bool{
	0x115F: true, // HANGUL CHOSEONG FILLER
	0x1160: true, // HANGUL JUNGSEONG FILLER
	0x2800: true, // BRAILLE PATTERN BLANK
	0x3164: true, // HANGUL FILLER
	0xFFA0: true, // HALFWIDTH HANGUL FILLER
}

// Sanitize returns s with every control character, escape sequence byte,
// bidi control, zero-width or blank-looking rune, non-ASCII space, combining
// mark and invalid UTF-8 byte replaced by a visible escape (\x1b, \u202e,
// \xff). A backslash becomes \\ so the escapes cannot be forged.
func Sanitize(s string) string {
	out, _ := sanitizeCap(s, 0)
	return out
}

// sanitizeCap is Sanitize with the output cut at max columns (0: no cap).
// An escape is never cut in half. It reports whether anything was cut.
func sanitizeCap(s string, max int) (string, bool) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := sanitizePiece(r, size, s[i])
		pn := textWidth(piece)
		if max > 0 && n+pn > max {
			return b.String(), true
		}
		b.WriteString(piece)
		n += pn
		i += size
	}
	return b.String(), false
}

// sanitizePiece renders one decoded rune (or the invalid byte b) safely.
func sanitizePiece(r rune, size int, b byte) string {
	switch {
	case r == utf8.RuneError && size == 1:
		return fmt.Sprintf(`\x%02x`, b)
	case r == '\\':
		return `\\`
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r)
	case r == ' ' || (r < 0x7f):
		return string(r)
	case needsEscape(r):
		if r > 0xFFFF {
			return fmt.Sprintf(`\U%08x`, r)
		}
		return fmt.Sprintf(`\u%04x`, r)
	}
	return string(r)
}

// needsEscape reports whether a non-ASCII rune must be shown as an escape.
func needsEscape(r rune) bool {
	return !unicode.IsGraphic(r) || // Cc, Cf (bidi, zero-width), Co, Cn, Zl, Zp
		unicode.IsSpace(r) || // NBSP and friends look like a space
		unicode.In(r, unicode.Mn, unicode.Me) || // marks stack on the previous glyph
		invisibleGraphic[r]
}

// wideRanges are the blocks a terminal draws two columns wide (East Asian
// wide and fullwidth forms, emoji). Close enough for layout: a miss only
// makes a row one column wider than counted.
var wideRanges = [][2]rune{
	{0x1100, 0x115F}, {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF},
	{0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
	{0xFE30, 0xFE4F}, {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F},
	{0x1F900, 0x1F9FF}, {0x20000, 0x3FFFD},
}

// runeWidth is how many columns r takes on a terminal (after Sanitize,
// which leaves no zero-width runes).
func runeWidth(r rune) int {
	for _, w := range wideRanges {
		if r >= w[0] && r <= w[1] {
			return 2
		}
	}
	return 1
}

// textWidth is how many columns s takes.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}
