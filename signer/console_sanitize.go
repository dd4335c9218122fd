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

// claimMaxRunes caps how much of one claim the console shows: enough for a
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

// sanitizeCap is Sanitize with the output cut at max runes (0: no cap). An
// escape is never cut in half. It reports whether anything was cut.
func sanitizeCap(s string, max int) (string, bool) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := sanitizePiece(r, size, s[i])
		pn := utf8.RuneCountInString(piece)
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
