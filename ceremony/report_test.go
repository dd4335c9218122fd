package ceremony

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestNewVerifyReport checks what the --json report says about a
// verified transcript, with and without the Markdown next to it, and for
// a schema 1 transcript.
func TestNewVerifyReport(t *testing.T) {
	k := openSoft(t, softKey(t, t.TempDir()))
	f, data := signedFile(t, k, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "c.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewVerifyReport(path, f, true)
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	pub := f.Signature.PublicKey
	want := `{"schema_version":1,"file":"` + path + `","id":"ceremony-20260102T100000Z","transcript_schema":2,` +
		`"started":"2026-01-02T10:00:00Z","finished":"2026-01-02T10:00:00Z","witnesses":["Alice","Bob"],` +
		`"runbook_people":2,"fewer_people_confirmed":false,"signed_by":"` + pub + `","signer_checked":true,` +
		`"trusted_keys":["` + pub + `"],"disablement_values":["disablement:0a` + "00000000000000000000000000000000000000000000000000000000000000"[:62] + `"],"genesis_aum":false}`
	if string(got) != want {
		t.Errorf("report:\n got %s\nwant %s", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "c.md"), f.Markdown(), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := NewVerifyReport(path, f, false); r.Markdown != filepath.Join(dir, "c.md") || r.SignerChecked {
		t.Errorf("with .md: markdown %q, signer checked %t", r.Markdown, r.SignerChecked)
	}

	old, _ := signedFile(t, k, func(tr *Transcript) { tr.Schema, tr.RunbookPeople, tr.People, tr.Keys = 1, 0, nil, nil })
	r = NewVerifyReport(filepath.Join(dir, "transcript"), old, false)
	if r.RunbookPeople != 0 || r.FewerPeopleConfirmed != nil || r.Witnesses == nil || len(r.Witnesses) != 0 || r.TrustedKeys == nil || r.Markdown != "" {
		t.Errorf("schema 1: %+v", r)
	}
}

// TestWitnessNote checks the note after the witnesses' names.
func TestWitnessNote(t *testing.T) {
	for _, tt := range []struct {
		tr   Transcript
		want string
	}{
		{Transcript{RunbookPeople: 0}, " (a schema 1 transcript: the runbook's number is not recorded)"},
		{Transcript{RunbookPeople: 2, FewerPeopleConfirmed: true}, " (FEWER than the 2 the runbook asks for; going on was confirmed at the ceremony)"},
		{Transcript{RunbookPeople: 2}, ""},
	} {
		if got := tt.tr.WitnessNote(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.tr, got, tt.want)
		}
	}
}
