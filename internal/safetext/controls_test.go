package safetext

import "testing"

func TestEscapeControls(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"sign one with 'signet sign nodekey:…'", "sign one with 'signet sign nodekey:…'"},
		{"名前 and é", "名前 and é"},
		{"\x1b[31mred\x07", `\x1b[31mred\a`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"rtl \u202etxt.exe", `rtl \u202etxt.exe`},
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`},
		{"bad \xff", `bad \xff`},
		{"tab\tnl\n", `tab\tnl\n`},
	} {
		if got := EscapeControls(tc.in); got != tc.want {
			t.Errorf("EscapeControls(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzEscapeControls(f *testing.F) {
	for _, s := range []string{"laptop", "\x1b[2J", "\u202e", "\xff", "…", "\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := EscapeControls(in)
		for i := 0; i < len(out); i++ {
			if b := out[i]; b < 0x20 || b == 0x7f {
				t.Fatalf("EscapeControls(%q) = %q holds byte %#x", in, out, b)
			}
		}
		for _, r := range out {
			if r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200b || r == 0xfeff {
				t.Fatalf("EscapeControls(%q) = %q holds %U", in, out, r)
			}
		}
	})
}
