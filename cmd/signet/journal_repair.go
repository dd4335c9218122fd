package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
)

// newJournalRepairCmd builds "signet journal repair".
func newJournalRepairCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "repair [--state DIR]",
		Short: "Move a torn last record of the journal aside",
		Long: `A crash in the middle of a write can leave a partial last line in the
journal: a record that was never acknowledged. Move those bytes into
journal.torn.<unix-time> next to the journal (nothing is deleted) and cut
them off, so the journal verifies again.

A journal whose records were changed or lost is refused and left as it is.
The state directory must not be in use by signet serve.`,
		Example: `  $ signet journal repair --state /var/lib/signet
  moved a torn record (52 bytes) to /var/lib/signet/journal.torn.1767348000`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runJournalRepair(cmd.OutOrStdout(), stateDirOf(cmd))
		},
	}
}

// runJournalRepair repairs the journal in dir under the state dir lock.
func runJournalRepair(w io.Writer, dir string) error {
	unlock, err := signer.LockStateDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	before, _ := signer.Verify(journalPathIn(dir))
	aside, err := signer.RepairTorn(dir)
	if err != nil {
		return journalErr(before, err)
	}
	if aside == "" {
		_, err = fmt.Fprintf(w, "%s has no torn record; nothing to do\n", journalPathIn(dir))
		return err
	}
	var n int64
	if before.Torn != nil {
		n = before.Torn.Bytes
	}
	_, err = fmt.Fprintf(w, "moved a torn record (%d bytes) to %s\n", n, aside)
	return err
}
