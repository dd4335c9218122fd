package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"laptop-7", "laptop-7"},
		{"two words", "two words"},
		{"", ""},
		{"\x1b[2J\x1b[31mEVIL\x1b]0;title\x07", `\x1b[2J\x1b[31mEVIL\x1b]0;title\x07`},
		{"tab\there\r\nnext", `tab\x09here\x0d\x0anext`},
		{"del\x7f nul\x00", `del\x7f nul\x00`},
		{"c1 \u0085 \u009b31m", `c1 \u0085 \u009b31m`},
		{"raw c1 byte \x9b", `raw c1 byte \x9b`},
		{"bad utf8 \xff\xfe", `bad utf8 \xff\xfe`},
		{"rtl \u202egnp.exe", `rtl \u202egnp.exe`},
		{"bidi \u202a\u202b\u202c\u202d \u2066\u2067\u2068\u2069 \u200e\u200f\u061c", `bidi \u202a\u202b\u202c\u202d \u2066\u2067\u2068\u2069 \u200e\u200f\u061c`},
		{"zero\u200bwidth\u200c\u200d\u2060\ufeff", `zero\u200bwidth\u200c\u200d\u2060\ufeff`},
		{"nbsp\u00a0ideo\u3000", `nbsp\u00a0ideo\u3000`},
		{"line\u2028para\u2029", `line\u2028para\u2029`},
		{"filler\u3164\u2800", `filler\u3164\u2800`},
		{"combining e\u0301", `combining e\u0301`},
		{"private \ue000 \U000f0000", `private \ue000 \U000f0000`},
		{"tag \U000e0041", `tag \U000e0041`},
		{`back\slash \x1b`, `back\\slash \\x1b`},
		{"ünïcødé ×°", "ünïcødé ×°"},
		{"wide 名前 ✓ 🚀 🩰 ⚡", `wide \u540d\u524d \u2713 \U0001f680 \U0001fa70 \u26a1`},
		{"variation ❤️ A︎", `variation \u2764\ufe0f A\ufe0e`},
		{"cyrillic аpple", `cyrillic \u0430pple`},
		{"soft­hyphen", `soft\u00adhyphen`},
	} {
		if got := Sanitize(tc.in); got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// capRunes is the cap the tests cut at: signer's for one claim.
const capRunes = 64

func TestSanitizeCap(t *testing.T) {
	long := strings.Repeat("a", 100)
	if got, cut := SanitizeCap(long, capRunes); len(got) != capRunes || !cut {
		t.Errorf("got %d runes, cut=%v; want %d, cut", len(got), cut, capRunes)
	}
	// An escape is never split: 63 letters then ESC leaves the escape out.
	got, cut := SanitizeCap(strings.Repeat("a", 63)+"\x1b", capRunes)
	if got != strings.Repeat("a", 63) || !cut {
		t.Errorf("got %q, cut=%v", got, cut)
	}
	// Wide runes are escapes of six columns each.
	if got, cut := SanitizeCap(strings.Repeat("名", 40), capRunes); got != strings.Repeat(`\u540d`, 10) || !cut {
		t.Errorf("got %q, cut=%v; want 10 escapes", got, cut)
	}
	if got, cut := SanitizeCap("short", capRunes); got != "short" || cut {
		t.Errorf("got %q, cut=%v", got, cut)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"laptop", "\x1b[2J\x1b[31mEVIL\x1b]0;title\x07", "\u202e", "\xff", "\u200b\ufeff",
		"\u0085\u009b", "\\x1b", "名前", "\x00\x7f", "e\u0301",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		checkSanitized(t, in, out)
		capped, _ := SanitizeCap(in, capRunes)
		checkSanitized(t, in, capped)
		if Width(capped) > capRunes || !strings.HasPrefix(out, capped) {
			t.Fatalf("capped %q is not a prefix of %q within %d runes", capped, out, capRunes)
		}
	})
}

// checkSanitized fails unless out is printable text a terminal cannot
// interpret as a command.
func checkSanitized(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Sanitize(%q) = %q is not valid UTF-8", in, out)
	}
	for i := 0; i < len(out); i++ {
		if b := out[i]; b < 0x20 || b == 0x7f {
			t.Fatalf("Sanitize(%q) = %q holds byte %#x", in, out, b)
		}
	}
	for _, r := range out {
		switch {
		case r >= 0x80 && r <= 0x9f:
			t.Fatalf("Sanitize(%q) = %q holds C1 %U", in, out, r)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			t.Fatalf("Sanitize(%q) = %q holds bidi control %U", in, out, r)
		case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff:
			t.Fatalf("Sanitize(%q) = %q holds zero-width %U", in, out, r)
		case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Cc, r), unicode.IsSpace(r) && r != ' ':
			t.Fatalf("Sanitize(%q) = %q holds invisible %U", in, out, r)
		}
	}
}

// Every rune Sanitize lets through is one column wide by a maintained
// Unicode width table (rivo/uniseg), so the console's layout math (one
// column per rune) holds; everything else is escaped.
func TestSafeRunesAreNarrow(t *testing.T) {
	kept := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		s := string(r)
		if Sanitize(s) != s {
			continue
		}
		kept++
		if w := uniseg.StringWidth(s); w != 1 {
			t.Errorf("Sanitize keeps %U (%q), which is %d columns wide", r, s, w)
		}
	}
	if kept != 94+94 { // printable ASCII but the backslash; Latin-1 U+00A1-U+00FF but U+00AD
		t.Errorf("Sanitize keeps %d runes, want 188", kept)
	}
}
