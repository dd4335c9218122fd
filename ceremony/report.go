package ceremony

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// ReportSchema is the schema version of VerifyReport, the output of
// 'signet ceremony verify --json' (not the transcript's own schema, which
// the file carries).
const ReportSchema = 1

// VerifyReport is what a verified transcript records, as 'signet ceremony
// verify --json' prints it (docs/json.md).
type VerifyReport struct {
	SchemaVersion    int      `json:"schema_version"`
	File             string   `json:"file"`
	Markdown         string   `json:"markdown,omitempty"` // the .md checked with it; left out when there is none
	ID               string   `json:"id"`
	TranscriptSchema int      `json:"transcript_schema"` // the file format's own version
	Started          string   `json:"started"`
	Finished         string   `json:"finished"`
	Witnesses        []string `json:"witnesses"`
	// RunbookPeople and FewerPeopleConfirmed are left out for a schema
	// 1 transcript, which does not record them.
	RunbookPeople        int      `json:"runbook_people,omitempty"`
	FewerPeopleConfirmed *bool    `json:"fewer_people_confirmed,omitempty"`
	SignedBy             string   `json:"signed_by"`
	SignerChecked        bool     `json:"signer_checked"` // --key was given and matched
	TrustedKeys          []string `json:"trusted_keys"`   // tlpub:HEX[?votes], the box's first
	DisablementValues    []string `json:"disablement_values"`
	GenesisAUM           bool     `json:"genesis_aum"` // the transcript holds the genesis AUM
}

// NewVerifyReport is what the transcript f, read from path and verified
// by VerifyFile, records; keyChecked is set when the signer's key was
// given (and so matched).
func NewVerifyReport(path string, f *File, keyChecked bool) *VerifyReport {
	t := &f.Transcript
	r := &VerifyReport{SchemaVersion: ReportSchema, File: path, ID: t.ID, TranscriptSchema: t.Schema,
		Started: t.Started.UTC().Format(time.RFC3339), Finished: t.Finished.UTC().Format(time.RFC3339),
		Witnesses: nonNil(t.People), SignedBy: f.Signature.PublicKey, SignerChecked: keyChecked,
		TrustedKeys: nonNil(t.Keys), DisablementValues: nonNil(t.Disablements()), GenesisAUM: t.Output("genesis-aum") != nil}
	if t.RunbookPeople > 0 {
		r.RunbookPeople, r.FewerPeopleConfirmed = t.RunbookPeople, &t.FewerPeopleConfirmed
	}
	// VerifyFile checked the Markdown next to path if there is one.
	if md := strings.TrimSuffix(path, ".json") + ".md"; md != path {
		if _, err := os.Stat(md); err == nil {
			r.Markdown = md
		}
	}
	return r
}

// nonNil returns s, or an empty list for nil: lists in JSON output are []
// when empty, never null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WitnessNote says how the witnesses compare with the runbook, as a
// parenthesis after their names; empty when as many came as it asks for.
func (t *Transcript) WitnessNote() string {
	switch {
	case t.RunbookPeople == 0:
		return " (a schema 1 transcript: the runbook's number is not recorded)"
	case t.FewerPeopleConfirmed:
		return fmt.Sprintf(" (FEWER than the %d the runbook asks for; going on was confirmed at the ceremony)", t.RunbookPeople)
	}
	return ""
}
