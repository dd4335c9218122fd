package ceremony

import (
	"strings"
	"testing"
)

// TestMarkdown renders a transcript and checks the parts that carry
// typed text or the witness rule.
func TestMarkdown(t *testing.T) {
	k := openSoft(t, softKey(t, t.TempDir()))
	long := strings.Repeat("ab", 60)
	f, _ := signedFile(t, k, func(tr *Transcript) {
		tr.People = []string{"Alice *admin*", "Bob | <b>"}
		tr.Key.Facts = map[string]string{"z": "last", "a": "first"}
		tr.Key.Evidence = []string{"e1"}
		tr.Warnings = []string{"no other `key`"}
		tr.Outputs = append(tr.Outputs, NewOutput("genesis-aum", long))
	})
	md := string(f.Markdown())
	for _, want := range []string{
		"# Tailnet Lock key ceremony ceremony-20260102T100000Z\n",
		"## People present\n\n- Alice \\*admin\\*\n- Bob \\| &lt;b&gt;\n\n2 present; the runbook asks for at least 2.\n",
		"  - a: first\n  - z: last\n  - evidence 1 SHA-256: `e1`\n",
		"## Warnings\n\n- no other \\`key\\`\n",
		"### genesis-aum\n\n```\n" + long[:76] + "\n" + long[76:] + "\n```\n",
		"Check with: `signet ceremony verify ceremony-20260102T100000Z.json`\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}

	fewer, _ := signedFile(t, k, func(tr *Transcript) { tr.People, tr.FewerPeopleConfirmed = tr.People[:1], true })
	if md := string(fewer.Markdown()); !strings.Contains(md, "- Alice\n\nONLY 1 present, fewer than the 2 the runbook asks for; going on was confirmed by typing \"fewer witnesses\".\n") {
		t.Errorf("fewer witnesses:\n%s", md)
	}
	v1, _ := signedFile(t, k, func(tr *Transcript) { tr.Schema, tr.RunbookPeople = 1, 0 })
	if md := string(v1.Markdown()); !strings.Contains(md, "- Bob\n\n## The box's key") || strings.Contains(md, "## Warnings") {
		t.Errorf("schema 1 (no witness note, no warnings):\n%s", md)
	}
}

// TestWrap keeps lines with spaces whole and breaks long words.
func TestWrap(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{"a b " + strings.Repeat("x", 80), "a b " + strings.Repeat("x", 80)},
		{strings.Repeat("x", 10), "xxxx\nxxxx\nxx"},
	}
	for _, tt := range tests {
		n := 76
		if len(tt.in) == 10 {
			n = 4
		}
		if got := wrap(tt.in, n); got != tt.want {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, n, got, tt.want)
		}
	}
}
