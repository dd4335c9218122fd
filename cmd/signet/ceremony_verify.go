package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/ceremony"
	"github.com/signetbox/signet/tka"
)

// ceremonyVerifySchema is the schema version of "signet ceremony verify
// --json" (not the transcript's own schema, which the file carries).
const ceremonyVerifySchema = 1

// ceremonyVerifyArgs holds the flags of "signet ceremony verify".
type ceremonyVerifyArgs struct {
	key  string // the tlpub: the transcript must be signed by
	json int    // --json schema version; 0 prints text
}

// ceremonyVerifyReport is the output of "signet ceremony verify --json":
// what the verified transcript says.
type ceremonyVerifyReport struct {
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

// newCeremonyVerifyCmd builds "signet ceremony verify".
func newCeremonyVerifyCmd() *cobra.Command {
	a := &ceremonyVerifyArgs{}
	cmd := &cobra.Command{
		Use:   "verify [--key tlpub:HEX] FILE.json",
		Short: "Check a ceremony transcript's signature, hashes and outputs",
		Long: `Check a transcript written by 'signet ceremony init': the SHA-256 of
every output, that the init line and the genesis AUM agree with each other
and with the trusted keys, that the box's signature verifies, and that the
file is byte for byte what signet wrote. The Markdown file next to it
(FILE.md), when present, must be the rendering of the JSON.

The signature proves only that the key in the file signed it: pass --key
with the box's tlpub: (from 'signet key show' or the paper copy) to check
who signed. The second line names the witnesses, the people present, as
the signed transcript records them. Exit status 1 names the first thing
that differs.

--json prints one JSON object (docs/json.md) with what the verified
transcript records; a transcript that does not verify prints no JSON.`,
		Example: `  $ signet ceremony verify ceremony-20260102T100000Z.json
  ceremony-20260102T100000Z.json: ceremony ceremony-20260102T100000Z of 2026-01-02T10:00:00Z, 2 people, 3 disablement values, signed by tlpub:4e1f…, verified
    witnesses: Alice Martin, Bob Okafor`,
		Args: exactArgs(1, "FILE.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkJSONVersion(a.json, ceremonyVerifySchema); err != nil {
				return err
			}
			return runCeremonyVerify(cmd.OutOrStdout(), args[0], a)
		},
	}
	cmd.Flags().StringVar(&a.key, "key", "", "the `tlpub:HEX` key the transcript must be signed by")
	addJSONFlag(cmd, &a.json, ceremonyVerifySchema)
	return cmd
}

func runCeremonyVerify(w io.Writer, path string, a *ceremonyVerifyArgs) error {
	var want []byte
	if a.key != "" {
		k, err := tka.ParseTLPub(a.key)
		if err != nil {
			return usageErr(fmt.Errorf("--key: %w", err))
		}
		want = k
	}
	f, err := ceremony.VerifyFile(path, want)
	if err != nil {
		return err
	}
	t := &f.Transcript
	if a.json != 0 {
		return writeJSON(w, newCeremonyVerifyReport(path, f, want != nil))
	}
	_, err = fmt.Fprintf(w, "%s: ceremony %s of %s, %d people, %d disablement values, signed by %s, verified\n  witnesses: %s%s\n",
		path, t.ID, t.Started.Format("2006-01-02T15:04:05Z"), len(t.People), len(t.Disablements()), f.Signature.PublicKey,
		strings.Join(t.People, ", "), witnessNote(t))
	return err
}

// witnessNote says how the witnesses compare with the runbook.
func witnessNote(t *ceremony.Transcript) string {
	switch {
	case t.RunbookPeople == 0:
		return " (a schema 1 transcript: the runbook's number is not recorded)"
	case t.FewerPeopleConfirmed:
		return fmt.Sprintf(" (FEWER than the %d the runbook asks for; going on was confirmed at the ceremony)", t.RunbookPeople)
	}
	return ""
}

// newCeremonyVerifyReport is what the verified transcript f at path
// says; keyChecked is set when --key was given (and so matched).
func newCeremonyVerifyReport(path string, f *ceremony.File, keyChecked bool) *ceremonyVerifyReport {
	t := &f.Transcript
	r := &ceremonyVerifyReport{SchemaVersion: ceremonyVerifySchema, File: path, ID: t.ID, TranscriptSchema: t.Schema,
		Started: t.Started.UTC().Format(time.RFC3339), Finished: t.Finished.UTC().Format(time.RFC3339),
		Witnesses: emptyIfNil(t.People), SignedBy: f.Signature.PublicKey, SignerChecked: keyChecked,
		TrustedKeys: emptyIfNil(t.Keys), DisablementValues: emptyIfNil(t.Disablements()), GenesisAUM: t.Output("genesis-aum") != nil}
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
