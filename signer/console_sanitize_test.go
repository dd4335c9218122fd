package signer

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

func TestSanitizeCap(t *testing.T) {
	long := strings.Repeat("a", 100)
	if got, cut := sanitizeCap(long, claimMaxRunes); len(got) != claimMaxRunes || !cut {
		t.Errorf("got %d runes, cut=%v; want %d, cut", len(got), cut, claimMaxRunes)
	}
	// An escape is never split: 63 letters then ESC leaves the escape out.
	got, cut := sanitizeCap(strings.Repeat("a", 63)+"\x1b", claimMaxRunes)
	if got != strings.Repeat("a", 63) || !cut {
		t.Errorf("got %q, cut=%v", got, cut)
	}
	// Wide runes are escapes of six columns each.
	if got, cut := sanitizeCap(strings.Repeat("名", 40), claimMaxRunes); got != strings.Repeat(`\u540d`, 10) || !cut {
		t.Errorf("got %q, cut=%v; want 10 escapes", got, cut)
	}
	if got, cut := sanitizeCap("short", claimMaxRunes); got != "short" || cut {
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
		capped, _ := sanitizeCap(in, claimMaxRunes)
		checkSanitized(t, in, capped)
		if textWidth(capped) > claimMaxRunes || !strings.HasPrefix(out, capped) {
			t.Fatalf("capped %q is not a prefix of %q within %d runes", capped, out, claimMaxRunes)
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

func TestParseKeys(t *testing.T) {
	for _, tc := range []struct {
		in    string
		final bool
		want  []keyKind
		rest  string
	}{
		{"ab\r", false, []keyKind{keyByte, keyByte, keyEnter}, ""},
		{"\r\n", false, []keyKind{keyEnter}, ""},
		{"\x1b[A\x1b[B\x1bOA", false, []keyKind{keyUp, keyDown, keyUp}, ""},
		{"\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~", false, []keyKind{keyPgUp, keyPgDn, keyHome, keyEnd, keyHome, keyEnd}, ""},
		{"\x1b", false, nil, "\x1b"},
		{"x\x1b[", false, []keyKind{keyByte}, "\x1b["},
		{"\x1b", true, []keyKind{keyDeny}, ""},
		{"\x1b[", true, []keyKind{keyDeny}, ""},
		{"\x1bx", false, []keyKind{keyDeny, keyByte}, ""},
		{"\x1b[200~", false, nil, ""}, // unknown sequences are dropped
		{"\x03\x04\x7f\x08\x15\x0c", false, []keyKind{keyDeny, keyDeny, keyBackspace, keyBackspace, keyClear, keyRedraw}, ""},
	} {
		keys, rest := parseKeys([]byte(tc.in), tc.final)
		var got []keyKind
		for _, k := range keys {
			got = append(got, k.kind)
		}
		if !equalKinds(got, tc.want) || string(rest) != tc.rest {
			t.Errorf("parseKeys(%q, %v) = %v, %q; want %v, %q", tc.in, tc.final, got, rest, tc.want, tc.rest)
		}
	}
}

func equalKinds(a, b []keyKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConsoleBodyWindow(t *testing.T) {
	var rows []screenRow
	for i := range 10 {
		rows = append(rows, screenRow{text: string(rune('a' + i))})
	}
	s := &confirmState{}
	if got := s.bodyWindow(rows, 10); len(got) != 10 {
		t.Fatalf("a body that fits is windowed: %d rows", len(got))
	}
	s.top = 100 // End
	got := s.bodyWindow(rows, 4)
	if len(got) != 4 || got[0].text != "h" || got[2].text != "j" || got[3].text != "(rows 8-10 of 10: Up/Down, PgUp/PgDn scroll)" {
		t.Fatalf("got %+v", got)
	}
}

func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in         string
		n          int
		head, tail string
	}{
		{"type the approval code", 12, "type the", "approval code"},
		{"0123456789abcdef", 8, "01234567", "89abcdef"},
		{"short", 10, "short", ""},
	} {
		if h, tl := splitWords(tc.in, tc.n); h != tc.head || tl != tc.tail {
			t.Errorf("splitWords(%q, %d) = %q, %q; want %q, %q", tc.in, tc.n, h, tl, tc.head, tc.tail)
		}
	}
}
