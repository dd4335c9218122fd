// Package safetext renders untrusted text (a request's claims, a name a
// status file gave, an error a library or a peer wrote) so that printing
// it on a terminal shows it and does nothing else. The console, the
// CLI's errors and its reports all use it, so there is one rule for what
// may reach a terminal.
package safetext

// Rules for this file: everything the console prints that came from a
// request goes through Sanitize first. Its output holds only printable
// ASCII and the printable Latin-1 letters and signs, so a claim cannot
// move the cursor, change colours, set the window title, reorder text
// (bidi overrides), hide text (zero-width and blank-looking runes) or take
// more columns than counted (wide and combining runes): everything else is
// shown as an escape.
//
// NOTE(console): why a safe set and not a width table. A width table (the
// old hand-kept one here, or a maintained one such as rivo/uniseg) says how
// wide a rune should be; the terminal decides how wide it is, and they
// disagree: emoji added after the terminal's table, emoji presentation
// selectors, East Asian ambiguous letters, Hangul jamo that join. The box's
// real console is the Linux VT, whose font draws no CJK or emoji at all.
// The runes kept are one column on every terminal in its usual setting,
// so the layout math is exact; TestSafeRunesAreNarrow checks that against
// rivo/uniseg. (A terminal told to draw East Asian ambiguous letters wide
// draws a few Latin-1 signs, such as the degree sign, in two.) As a last
// line of defence the review screen is drawn row by row at absolute
// positions with autowrap off (terminal/draw.go), so even a miscounted rune
// stays in its own row.

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Sanitize returns s with every rune outside the safe set (printable ASCII
// and Latin-1, see safeRune) and every invalid UTF-8 byte replaced by a
// visible escape (\x1b, \u202e, \U0001f680, \xff): control characters,
// escape sequences, bidi controls, zero-width and blank-looking runes,
// non-ASCII spaces, combining marks, and wide runes (CJK, emoji). A
// backslash becomes \\ so the escapes cannot be forged.
func Sanitize(s string) string {
	out, _ := SanitizeCap(s, 0)
	return out
}

// SanitizeCap is Sanitize with the output cut at max columns (0: no cap).
// An escape is never cut in half. It reports whether anything was cut.
func SanitizeCap(s string, max int) (string, bool) {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		piece := sanitizePiece(r, size, s[i])
		pn := Width(piece)
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
	case safeRune(r):
		return string(r)
	case r > 0xFFFF:
		return fmt.Sprintf(`\U%08x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// safeRune reports whether r is shown as itself: printable ASCII and the
// printable Latin-1 letters and signs (U+00A1 to U+00FF but the soft
// hyphen). Terminals draw these in one column, and the Linux console's
// fonts hold them all.
func safeRune(r rune) bool {
	return r >= 0x20 && r < 0x7f || r >= 0xa1 && r <= 0xff && r != 0xad
}

// Width is how many columns s takes: one per rune, as Sanitize's
// output and the console's own text hold only one-column runes.
func Width(s string) int { return utf8.RuneCountInString(s) }
