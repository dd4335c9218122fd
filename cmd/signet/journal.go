package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr(withHint(errors.New("no journal verb given"), "run 'signet journal --help' to list them"))
		},
	}
	cmd.AddCommand(newJournalVerifyCmd(), newJournalShowCmd(), newJournalRepairCmd())
	return cmd
}

// newJournalVerifyCmd builds "signet journal verify".
func newJournalVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify [--state DIR | FILE]",
		Short: "Check every record and hash link of the journal",
		Long: `Check that every record of the journal is intact and follows the one
before it, and print a one-line summary. FILE is a journal.log or a copy
of one; without it, the journal of the state directory is checked, and
then the checks signet serve runs at every start: the chain store, the
signature index and the key files must agree with the journal. It only
reads, and may run while signet serve does.

Exit status 1 if a record was changed or lost, the journal ends in a torn
record left by a crash, or the state directory's files disagree.`,
		Example: `  $ signet journal verify --state /var/lib/signet
  /var/lib/signet/journal.log: 3 records from 2026-01-02T10:00:00Z to 2026-01-02T10:01:30Z, head 5d1c…, verified
  $ signet journal verify /media/usb/journal.log`,
		Args: maxArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := runJournalVerify(cmd.OutOrStdout(), journalPath(cmd, args)); err != nil || len(args) == 1 {
				return err
			}
			return runStateVerify(cmd.OutOrStdout(), stateDirOf(cmd))
		},
	}
}

// runStateVerify runs the start checks on the state directory dir, read
// only.
func runStateVerify(w io.Writer, dir string) error {
	pub, files, err := keyFilesOf(dir)
	if err != nil {
		return err
	}
	chk, err := signer.CheckStateDir(dir, pub, files)
	if err != nil {
		return stateErr(err)
	}
	what := "the chain store and the signature index agree with the journal"
	if files != nil {
		what = "the chain store, the signature index and the key files agree with the journal"
	}
	if _, err := fmt.Fprintf(w, "%s: %s\n", dir, what); err != nil {
		return err
	}
	for _, n := range chk.Pending() {
		fmt.Fprintf(w, "%s: the next start will: %s\n", dir, n)
	}
	return nil
}

// journalPath is FILE if given, else journal.log in the state directory.
func journalPath(cmd *cobra.Command, args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return journalPathIn(stateDirOf(cmd))
}

// journalPathIn is the journal of the state directory dir.
func journalPathIn(dir string) string { return filepath.Join(dir, "journal.log") }

// runJournalVerify verifies the journal at path and prints its summary.
func runJournalVerify(w io.Writer, path string) error {
	sum, err := signer.Verify(path)
	if err != nil {
		return journalErr(sum, err)
	}
	if sum.Records == 0 {
		_, err = fmt.Fprintf(w, "%s: no records, verified\n", path)
		return err
	}
	_, err = fmt.Fprintf(w, "%s: %d records from %s to %s, head %s, verified\n",
		path, sum.Records, sum.First.Format(time.RFC3339), sum.Last.Format(time.RFC3339), sum.Head)
	return err
}

// journalErr adds what still verified to a verification error.
func journalErr(sum signer.Summary, err error) error {
	var torn *signer.TornError
	var chain *signer.ChainError
	good := "no record before it verifies"
	if sum.Records == 1 {
		good = "record 1 before it verifies"
	} else if sum.Records > 1 {
		good = fmt.Sprintf("records 1 to %d before it verify", sum.Records)
	}
	switch {
	case errors.As(err, &torn):
		return withHint(err, good)
	case errors.As(err, &chain):
		return withHint(err, good, "keep this file for investigation")
	}
	return err
}

// maxArgs returns a cobra.PositionalArgs that wants at most n arguments.
func maxArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		return usageErrorf("%s wants at most %d argument(s) (%s), got %d", cmd.CommandPath(), n, what, len(args))
	}
}
