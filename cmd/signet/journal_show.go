package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/audit"
	"github.com/signetbox/signet/fsck"
)

// journalShowArgs holds the flags of "signet journal show".
type journalShowArgs struct {
	json int    // --json schema version; 0 prints text
	id   string // only the records of this request
	tail int    // only the last N records (0: all)
}

// newJournalShowCmd builds "signet journal show".
func newJournalShowCmd() *cobra.Command {
	args := &journalShowArgs{}
	cmd := &cobra.Command{
		Use:   "show [--state DIR | FILE] [--json] [--id ID] [--tail N]",
		Short: "Print the records of the journal",
		Long: `Print the records of the journal, oldest first, one per line: sequence
number, time, type, request ID, then the other fields as key=value. Text
that came with a request is quoted, so it cannot pass for signet's own
output.

Records are verified as they are read. If the journal is damaged, the
records before the damage are printed and the exit status is 1.

--json prints one JSON object (docs/json.md) holding the selected records;
a damaged journal prints no JSON. It only reads, and may run while signet
serve does.`,
		Example: `  $ signet journal show --id 7f3a --state /var/lib/signet
  #1 2026-01-02T10:00:00Z received 7f3a kind=sign-node requester="uid 0 (signet)" digest=9c1e…
  $ signet journal show --tail 20 --json /media/usb/journal.log`,
		Args: maxArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkJSONVersion(args.json, audit.ShowSchema); err != nil {
				return err
			}
			return runJournalShow(cmd.OutOrStdout(), journalPath(cmd, pos), args)
		},
	}
	addJSONFlag(cmd, &args.json, audit.ShowSchema)
	cmd.Flags().StringVar(&args.id, "id", "", "only the records of request `ID`")
	cmd.Flags().IntVar(&args.tail, "tail", 0, "only the last `N` records (after --id)")
	return cmd
}

// runJournalShow prints the selected records, then any verification error.
func runJournalShow(w io.Writer, path string, args *journalShowArgs) error {
	if args.tail < 0 {
		return usageErrorf("--tail is %d; it must be 0 (all) or more", args.tail)
	}
	recs, sum, verr := audit.SelectRecords(path, args.id, args.tail)
	if args.json != 0 {
		if verr != nil {
			return fsck.JournalErr(sum, verr)
		}
		return writeJSON(w, audit.NewShowReport(path, recs))
	}
	for _, r := range recs {
		if _, err := fmt.Fprintln(w, audit.RecordLine(r)); err != nil {
			return err
		}
	}
	if verr != nil {
		return fsck.JournalErr(sum, verr)
	}
	return nil
}
