package safetext

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EscapeControls is the looser rule, for messages whose layout does not
// matter (an error line): it writes each control or format rune (C0, DEL,
// C1, bidi and zero-width controls) and each invalid byte as a Go escape,
// and keeps every other printable rune, wide ones and typography such as
// "…" included. Text that is laid out in columns, or that a request
// supplied, goes through Sanitize instead.
func EscapeControls(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
