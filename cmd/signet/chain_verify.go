package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/daemon"
	"github.com/signetbox/signet/tka"
)

// chainVerifySchema is the schema version of "signet chain verify
// --json".
const chainVerifySchema = 1

// chainVerifyReport is the output of "signet chain verify --json".
type chainVerifyReport struct {
	SchemaVersion int                 `json:"schema_version"`
	AUMs          int                 `json:"aums"`   // in the active chain, all verified
	Stored        int                 `json:"stored"` // in chain.log, forks included
	Head          string              `json:"head"`
	Oldest        string              `json:"oldest"`
	TrustedKeys   []daemon.TrustedKey `json:"trusted_keys"`
	// DisablementValues counts the authority's disablement values.
	DisablementValues int `json:"disablement_values"`
}

// newChainVerifyCmd builds "signet chain verify".
func newChainVerifyCmd() *cobra.Command {
	var asJSON int
	cmd := &cobra.Command{
		Use:   "verify [--state DIR] [--json]",
		Short: "Re-verify every AUM of the active chain",
		Long: `Open the chain store and check every AUM of the active chain again,
from the oldest to the head: each hash link, each signature, each change
to the trusted keys. Print the number of AUMs, the head and the number of
trusted keys.

Verification only reads: it never changes chain.log, and it may run while
signet serve does. A record that fails its check is reported with its byte
offset (exit 1). An incomplete last commit left by an interrupted write is
not verified and is reported in a note; the daemon's next start, or
'signet journal repair', moves it aside.

--json prints one JSON object (docs/json.md): the counts, the head and
oldest AUM, and the trusted keys with their votes.`,
		Example: `  $ signet chain verify --state /var/lib/signet
  chain verified: 41 AUMs (41 stored), head 5D1C…, 2 trusted keys`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkJSONVersion(asJSON, chainVerifySchema); err != nil {
				return err
			}
			return runChainVerify(cmd.OutOrStdout(), cmd.ErrOrStderr(), stateDirOf(cmd), asJSON != 0)
		},
	}
	addJSONFlag(cmd, &asJSON, chainVerifySchema)
	return cmd
}

// runChainVerify replays the active chain into a fresh memory store. It
// opens the store read-only: verification never writes.
func runChainVerify(w, log io.Writer, dir string, asJSON bool) error {
	st, a, err := readAuthority(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	chain, fresh, err := a.Reverify(st)
	if err != nil {
		return err
	}
	if torn := st.Torn(); torn != nil {
		defer fmt.Fprintf(log, "signet: note: %v\n", torn)
	}
	if asJSON {
		r := &chainVerifyReport{SchemaVersion: chainVerifySchema, AUMs: len(chain), Stored: st.Len(), Head: a.Head().String(),
			Oldest: a.Oldest().String(), TrustedKeys: []daemon.TrustedKey{}, DisablementValues: len(fresh.State().DisablementValues)}
		for _, k := range fresh.State().Keys {
			r.TrustedKeys = append(r.TrustedKeys, daemon.TrustedKey{PublicKey: tka.FormatTLPub(k.Public), Votes: k.Votes})
		}
		return writeJSON(w, r)
	}
	_, err = fmt.Fprintf(w, "chain verified: %d AUMs (%d stored), head %v, %d trusted keys\n",
		len(chain), st.Len(), a.Head(), len(fresh.Keys()))
	return err
}
