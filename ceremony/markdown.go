package ceremony

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Markdown renders the transcript file for print. It is a pure function of
// f, so "signet ceremony verify" can check a .md file against its .json.
func (f *File) Markdown() []byte {
	t := &f.Transcript
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Tailnet Lock key ceremony %s\n\n", t.ID)
	p("- Started: %s\n- Finished: %s\n- signet: %s\n\n", t.Started.Format(time.RFC3339), t.Finished.Format(time.RFC3339), mdText(t.Signet))
	p("## People present\n\n")
	for _, n := range t.People {
		p("- %s\n", mdText(n))
	}
	if w := peopleNote(t); w != "" {
		p("\n%s\n", w)
	}
	p("\n## The box's key\n\n")
	p("- Public key: `%s`\n- Backend: %s (%s key)\n- URI: `%s`\n- Hardware: %v\n- Attestation: %s\n",
		t.Key.PublicKey, t.Key.Backend, t.Key.Made, t.Key.URI, t.Key.Hardware, mdText(t.Key.Attestation))
	for _, k := range slices.Sorted(maps.Keys(t.Key.Facts)) {
		p("  - %s: %s\n", mdText(k), mdText(t.Key.Facts[k]))
	}
	for i, e := range t.Key.Evidence {
		p("  - evidence %d SHA-256: `%s`\n", i+1, e)
	}
	p("\n## Trusted keys\n\n")
	for _, k := range t.Keys {
		p("- `%s`\n", k)
	}
	p("\n## Steps\n\n| # | Step | Time (UTC) | Result |\n|---|------|------------|--------|\n")
	for _, s := range t.Steps {
		p("| %d | %s | %s | %s |\n", s.N, s.Name, s.Time.Format(time.RFC3339), mdText(s.Result))
	}
	if len(t.Warnings) > 0 {
		p("\n## Warnings\n\n")
		for _, w := range t.Warnings {
			p("- %s\n", mdText(w))
		}
	}
	p("\n## Outputs\n\n| Output | SHA-256 |\n|--------|---------|\n")
	for _, o := range t.Outputs {
		p("| %s | `%s` |\n", o.Name, o.SHA256)
	}
	for _, o := range t.Outputs {
		p("\n### %s\n\n```\n%s\n```\n", o.Name, wrap(o.Value, 76))
	}
	s := &f.Signature
	p("\n## Signature\n\n- Algorithm: %s\n- Context: `%s`\n- Digest: `%s`\n- Key: `%s`\n- Signature: `%s`\n",
		s.Algorithm, s.Context, s.Digest, s.PublicKey, s.Signature)
	p("\nCheck with: `signet ceremony verify %s.json`\n", t.ID)
	return b.Bytes()
}

// peopleNote says how the witnesses compare with the runbook, or "" for
// a schema 1 transcript, which does not record it.
func peopleNote(t *Transcript) string {
	switch {
	case t.RunbookPeople == 0:
		return ""
	case t.FewerPeopleConfirmed:
		return fmt.Sprintf("ONLY %d present, fewer than the %d the runbook asks for; going on was confirmed by typing %q.",
			len(t.People), t.RunbookPeople, FewerWord)
	}
	return fmt.Sprintf("%d present; the runbook asks for at least %d.", len(t.People), t.RunbookPeople)
}

// mdText neutralises the characters Markdown would interpret in typed text.
func mdText(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "<", "&lt;", ">", "&gt;", "|", "\\|", "#", "\\#")
	return r.Replace(s)
}

// wrap breaks s into lines of at most n bytes (the values are ASCII).
func wrap(s string, n int) string {
	if len(s) <= n || strings.Contains(s, " ") {
		return s
	}
	var parts []string
	for len(s) > n {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(append(parts, s), "\n")
}
