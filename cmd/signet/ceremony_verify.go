package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/ceremony"
	"github.com/signetbox/signet/tka"
)

// ceremonyVerifySchema is the schema version of "signet ceremony verify
// --json" (not the transcript's own schema, which the file carries).
const ceremonyVerifySchema = ceremony.ReportSchema

// ceremonyVerifyArgs holds the flags of "signet ceremony verify".
type ceremonyVerifyArgs struct {
	key  string // the tlpub: the transcript must be signed by
	json int    // --json schema version; 0 prints text
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
		return writeJSON(w, ceremony.NewVerifyReport(path, f, want != nil))
	}
	_, err = fmt.Fprintf(w, "%s: ceremony %s of %s, %d people, %d disablement values, signed by %s, verified\n  witnesses: %s%s\n",
		path, t.ID, t.Started.Format("2006-01-02T15:04:05Z"), len(t.People), len(t.Disablements()), f.Signature.PublicKey,
		strings.Join(t.People, ", "), t.WitnessNote())
	return err
}
