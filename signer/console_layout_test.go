package signer

import (
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	"github.com/signetbox/signet/terminal"
)

// The width classes that moved the screen before: each is shown as
// escapes, and the text is as wide as its rune count.
func TestSanitizeWidthClasses(t *testing.T) {
	for _, tc := range widthClasses {
		out := terminal.Sanitize(tc.text)
		if uniseg.StringWidth(out) != terminal.Width(out) || terminal.Sanitize(out) != strings.ReplaceAll(out, `\`, `\\`) {
			t.Errorf("%s: Sanitize gives %q, %d columns by uniseg, %d counted", tc.name, out, uniseg.StringWidth(out), terminal.Width(out))
		}
	}
}

// widthClasses are claims made of runes whose width terminals disagree
// on, or that take no column at all.
var widthClasses = []struct{ name, text string }{
	{"wide emoji", strings.Repeat("\U0001F680", 30) + "\u26a1\u26a1" + strings.Repeat("\U0001FA70\U0001FA85\U0001FAF8", 10)},
	{"cjk", strings.Repeat("名前空間", 25)},
	{"combining marks", strings.Repeat("e\u0301\u0302\u0303\u0304", 30)},
	{"zero width", strings.Repeat("a\u200b\u200c\u200d\u2060\ufeff", 30)},
	{"bidi controls", "laptop\u202e\u2066exe.txt\u202c\u2069" + strings.Repeat("\u200f\u061c", 20)},
	{"variation selectors", strings.Repeat("\u2764\ufe0f\u263a\ufe0e#\ufe0f\u20e3", 20)},
	{"emoji sequence", strings.Repeat("\U0001F469\u200d\U0001F4BB\U0001F44D\U0001F3FD\U0001F1E9\U0001F1EA", 10)},
	{"hangul jamo", strings.Repeat("\u1100\u1161\u11a8", 30)},
	{"ambiguous", strings.Repeat("×°±§¶", 20)},
}

func TestShortKey(t *testing.T) {
	const hex = "0123456789abcdef00112233445566778899aabbccddeeff0f1e2d3c4b5a6978"
	for _, tc := range []struct{ in, want string }{
		{"nodekey:" + hex, "nodekey:0123 4567 89ab ... 2d3c 4b5a 6978"},
		{"tlpub:" + hex, "tlpub:0123 4567 89ab ... 2d3c 4b5a 6978"},
		{"nodekey:0123", "nodekey:0123"},
		{"nodekey:" + strings.ToUpper(hex), "nodekey:" + strings.ToUpper(hex)},
		{hex, hex},
		{"tlpub:" + hex + " (tpm)", "tlpub:" + hex + " (tpm)"},
	} {
		if got := ShortKey(tc.in); got != tc.want {
			t.Errorf("ShortKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// The short form is the full key's first and last 12 digits.
	full := "nodekey:" + hex
	short := strings.ReplaceAll(ShortKey(full), " ", "")
	head, tail, _ := strings.Cut(short, "...")
	if !strings.HasPrefix(full, head) || !strings.HasSuffix(full, tail) || len(tail) != 12 {
		t.Errorf("short form %q is not the ends of %q", ShortKey(full), full)
	}
}
