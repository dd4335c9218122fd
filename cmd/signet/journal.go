package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr(withHint(errors.New("no journal verb given"), "run 'signet journal --help' to list them"))
		},
	}
	cmd.AddCommand(newJournalVerifyCmd(), newJournalShowCmd(), newJournalRepairCmd())
	return cmd
}

// journalVerifySchema is the schema version of "signet journal verify
// --json".
const journalVerifySchema = 1

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
			if err := checkJSONVersion(asJSON, journalVerifySchema); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			r, err := verifyJournal(journalPath(cmd, args))
			if err != nil {
				return err
			}
			if asJSON == 0 {
				// The journal's line comes first, whatever the
				// state checks find.
				if err := printJournalSummary(w, r); err != nil {
					return err
				}
			}
			if len(args) == 0 {
				if r.StateChecks, err = checkState(stateDirOf(cmd)); err != nil {
					return err
				}
			}
			if asJSON != 0 {
				return writeJSON(w, r)
			}
			return printStateChecks(w, r.StateChecks)
		},
	}
	addJSONFlag(cmd, &asJSON, journalVerifySchema)
	return cmd
}

// journalVerifyReport is the output of "signet journal verify --json".
type journalVerifyReport struct {
	SchemaVersion int    `json:"schema_version"`
	Journal       string `json:"journal"` // the file checked
	Records       int    `json:"records"`
	FirstTime     string `json:"first_time,omitempty"` // left out with no records
	LastTime      string `json:"last_time,omitempty"`
	Head          string `json:"head,omitempty"` // the last record's hash
	// StateChecks is left out when a FILE was checked.
	StateChecks *stateChecksJSON `json:"state_checks,omitempty"`
}

// stateChecksJSON is what the start checks found in a state directory.
type stateChecksJSON struct {
	Dir string `json:"dir"`
	// KeyFiles says whether the key files were checked too (the state
	// directory holds a key).
	KeyFiles bool `json:"key_files"`
	// NextStart lists what the daemon's next start will repair.
	NextStart []string `json:"next_start"`
}

// verifyJournal verifies the journal at path.
func verifyJournal(path string) (*journalVerifyReport, error) {
	sum, err := signer.Verify(path)
	if err != nil {
		return nil, journalErr(sum, err)
	}
	r := &journalVerifyReport{SchemaVersion: journalVerifySchema, Journal: path, Records: sum.Records}
	if sum.Records > 0 {
		r.FirstTime, r.LastTime, r.Head = sum.First.UTC().Format(time.RFC3339), sum.Last.UTC().Format(time.RFC3339), sum.Head
	}
	return r, nil
}

// checkState runs the start checks on the state directory dir, read
// only.
func checkState(dir string) (*stateChecksJSON, error) {
	pub, files, err := keyFilesOf(dir)
	if err != nil {
		return nil, err
	}
	chk, err := signer.CheckStateDir(dir, pub, files)
	if err != nil {
		return nil, stateErr(err)
	}
	return &stateChecksJSON{Dir: dir, KeyFiles: files != nil, NextStart: emptyIfNil(chk.Pending())}, nil
}

// printJournalSummary prints the journal's line of journal verify.
func printJournalSummary(w io.Writer, r *journalVerifyReport) error {
	var err error
	if r.Records == 0 {
		_, err = fmt.Fprintf(w, "%s: no records, verified\n", r.Journal)
	} else {
		_, err = fmt.Fprintf(w, "%s: %d records from %s to %s, head %s, verified\n", r.Journal, r.Records, r.FirstTime, r.LastTime, r.Head)
	}
	return err
}

// printStateChecks prints what the state checks found, if they ran.
func printStateChecks(w io.Writer, c *stateChecksJSON) error {
	if c == nil {
		return nil
	}
	what := "the chain store and the signature index agree with the journal"
	if c.KeyFiles {
		what = "the chain store, the signature index and the key files agree with the journal"
	}
	_, err := fmt.Fprintf(w, "%s: %s\n", c.Dir, what)
	for _, n := range c.NextStart {
		fmt.Fprintf(w, "%s: the next start will: %s\n", c.Dir, n)
	}
	return err
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
