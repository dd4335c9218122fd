package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/fsck"
	"github.com/signetbox/signet/statedir"
)

// newJournalCmd builds "signet journal" and its verbs.
func newJournalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "journal VERB",
		Short: "Verify, show or repair the signing journal",
		Long: `The journal (journal.log in the state directory) records every request,
decision and signature, each record hash-chained to the one before. These
verbs read it offline: they work on a copy as well as on the live file.`,
		Args: noArgs,
		RunE: noVerb,
	}
	cmd.AddCommand(newJournalVerifyCmd(), newJournalShowCmd(), newJournalRepairCmd())
	return cmd
}

// newJournalVerifyCmd builds "signet journal verify".
func newJournalVerifyCmd() *cobra.Command {
	var asJSON int
	cmd := &cobra.Command{
		Use:   "verify [--state DIR | FILE] [--json]",
		Short: "Check every record and hash link of the journal",
		Long: `Check that every record of the journal is intact and follows the one
before it, and print a one-line summary. FILE is a journal.log or a copy
of one; without it, the journal of the state directory is checked, and
then the checks signet serve runs at every start: the chain store, the
signature index and the key files must agree with the journal. It only
reads, and may run while signet serve does.

Exit status 1 if a record was changed or lost, the journal ends in a torn
record left by a crash, or the state directory's files disagree.

--json prints one JSON object (docs/json.md): the journal's summary and,
for a state directory, what its checks found.`,
		Example: `  $ signet journal verify --state /var/lib/signet
  /var/lib/signet/journal.log: 3 records from 2026-01-02T10:00:00Z to 2026-01-02T10:01:30Z, head 5d1c…, verified
  $ signet journal verify /media/usb/journal.log`,
		Args: maxArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkJSONVersion(asJSON, fsck.JournalSchema); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			r, err := fsck.VerifyJournal(journalPath(cmd, args))
			if err != nil {
				return err
			}
			if asJSON == 0 {
				// The journal's line comes first, whatever the
				// state checks find.
				if _, err := fmt.Fprintln(w, r.Line()); err != nil {
					return err
				}
			}
			if len(args) == 0 {
				if r.StateChecks, err = fsck.CheckState(stateDirOf(cmd)); err != nil {
					return fsck.StateErr(err)
				}
			}
			if asJSON != 0 {
				return writeJSON(w, r)
			}
			if r.StateChecks != nil {
				for _, l := range r.StateChecks.Lines() {
					fmt.Fprintln(w, l)
				}
			}
			return nil
		},
	}
	addJSONFlag(cmd, &asJSON, fsck.JournalSchema)
	return cmd
}

// journalPath is FILE if given, else journal.log in the state directory.
func journalPath(cmd *cobra.Command, args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return journalPathIn(stateDirOf(cmd))
}

// journalPathIn is the journal of the state directory dir.
func journalPathIn(dir string) string { return statedir.Path(dir, statedir.Journal) }
