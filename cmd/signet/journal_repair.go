package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/fsck"
)

// journalRepairArgs holds the flags of "signet journal repair".
type journalRepairArgs struct {
	rebuildIndex bool
}

// newJournalRepairCmd builds "signet journal repair".
func newJournalRepairCmd() *cobra.Command {
	a := &journalRepairArgs{}
	cmd := &cobra.Command{
		Use:   "repair [--state DIR] [--rebuild-index]",
		Short: "Move what an interrupted write left at the end of the state files aside",
		Long: `A crash in the middle of a write can leave a partial last line in the
journal: a record that was never acknowledged. Move those bytes into
journal.torn.<unix-time> next to the journal (nothing is deleted) and cut
them off, so the journal verifies again. A last record that is whole but
for its newline is completed instead.

Then run the checks signet serve runs at start and do what a start may
do: move an incomplete last commit of chain.log into chain.torn.<time>, and
the end of signatures.jsonl that no issued record backs into
signatures.torn.<time>. Each step is journaled.

A journal whose records were changed or lost is refused and left as it is,
and so are files that disagree with it. With --rebuild-index, a damaged
signatures.jsonl is rewritten from its lines that still match the
journal's issued records (the old file is kept as
signatures.jsonl.damaged.<time>); every issued request whose signatures
cannot be kept is journaled as lost, and a replay of it gets an error.
The state directory must not be in use by signet serve.`,
		Example: `  $ signet journal repair --state /var/lib/signet
  moved a torn record (52 bytes) to /var/lib/signet/journal.torn.1767348000
  $ signet journal repair --state /var/lib/signet --rebuild-index`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runJournalRepair(cmd.OutOrStdout(), stateDirOf(cmd), a)
		},
	}
	cmd.Flags().BoolVar(&a.rebuildIndex, "rebuild-index", false, "rewrite signatures.jsonl from its lines the journal backs; journal the others as lost")
	return cmd
}

// runJournalRepair repairs the state dir dir under its lock and says
// what it did.
func runJournalRepair(w io.Writer, dir string, a *journalRepairArgs) error {
	said, err := fsck.Repair(dir, a.rebuildIndex)
	for _, s := range said {
		fmt.Fprintln(w, s)
	}
	if err != nil {
		return fsck.StateErr(err)
	}
	if len(said) == 0 {
		_, err = fmt.Fprintf(w, "%s: nothing to repair\n", dir)
	}
	return err
}
