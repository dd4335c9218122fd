package terminal

import "testing"

func TestParseKeys(t *testing.T) {
	for _, tc := range []struct {
		in    string
		final bool
		want  []KeyKind
		rest  string
	}{
		{"ab\r", false, []KeyKind{KeyByte, KeyByte, KeyEnter}, ""},
		{"\r\n", false, []KeyKind{KeyEnter}, ""},
		{"\x1b[A\x1b[B\x1bOA", false, []KeyKind{KeyUp, KeyDown, KeyUp}, ""},
		{"\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~", false, []KeyKind{KeyPgUp, KeyPgDn, KeyHome, KeyEnd, KeyHome, KeyEnd}, ""},
		{"\x1b", false, nil, "\x1b"},
		{"x\x1b[", false, []KeyKind{KeyByte}, "\x1b["},
		{"\x1b", true, []KeyKind{KeyDeny}, ""},
		{"\x1b[", true, []KeyKind{KeyDeny}, ""},
		{"\x1bx", false, []KeyKind{KeyDeny, KeyByte}, ""},
		{"\x1b[200~", false, nil, ""}, // unknown sequences are dropped
		{"\x03\x04\x7f\x08\x15\x0c", false, []KeyKind{KeyDeny, KeyDeny, KeyBackspace, KeyBackspace, KeyClear, KeyRedraw}, ""},
	} {
		keys, rest := ParseKeys([]byte(tc.in), tc.final)
		var got []KeyKind
		for _, k := range keys {
			got = append(got, k.Kind)
		}
		if !equalKinds(got, tc.want) || string(rest) != tc.rest {
			t.Errorf("ParseKeys(%q, %v) = %v, %q; want %v, %q", tc.in, tc.final, got, rest, tc.want, tc.rest)
		}
	}
}

func equalKinds(a, b []KeyKind) bool {
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
		if h, tl := SplitWords(tc.in, tc.n); h != tc.head || tl != tc.tail {
			t.Errorf("SplitWords(%q, %d) = %q, %q; want %q, %q", tc.in, tc.n, h, tl, tc.head, tc.tail)
		}
	}
}
