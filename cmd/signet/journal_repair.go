package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
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

// runJournalRepair repairs the state dir dir under its lock.
func runJournalRepair(w io.Writer, dir string, a *journalRepairArgs) error {
	unlock, err := statedir.TakeLock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	did, err := repairJournalTail(w, dir)
	if err != nil {
		return err
	}
	more, err := repairStateTails(w, dir, a)
	if err != nil {
		return err
	}
	if !did && !more {
		_, err = fmt.Fprintf(w, "%s: nothing to repair\n", dir)
	}
	return err
}

// repairJournalTail moves a torn last record of the journal aside, or
// completes one that lacks only its newline.
func repairJournalTail(w io.Writer, dir string) (bool, error) {
	before, _ := signer.Verify(journalPathIn(dir))
	aside, err := signer.RepairTorn(dir)
	if err != nil {
		return false, journalErr(before, err)
	}
	switch {
	case aside == "":
		return false, nil
	case before.Torn != nil && before.Torn.Whole:
		_, err = fmt.Fprintf(w, "completed the last record of %s (%d bytes) with its missing newline\n", aside, before.Torn.Bytes)
	default:
		var n int64
		if before.Torn != nil {
			n = before.Torn.Bytes
		}
		_, err = fmt.Fprintf(w, "moved a torn record (%d bytes) to %s\n", n, aside)
	}
	return true, err
}

// repairStateTails runs the start checks and the repairs they allow (and,
// if asked, rebuilds the index first).
func repairStateTails(w io.Writer, dir string, a *journalRepairArgs) (bool, error) {
	var store *signer.ChainStore
	if _, err := os.Stat(statedir.Path(dir, statedir.Chain)); err == nil {
		if store, err = signer.OpenChainStore(dir); err != nil {
			return false, err
		}
		defer store.Close()
	}
	journal, err := signer.OpenJournal(dir)
	if err != nil {
		return false, err
	}
	defer journal.Close()
	pub, files, err := keyFilesOf(dir)
	if err != nil {
		return false, err
	}
	did := false
	if a.rebuildIndex {
		rep, err := signer.RebuildIndex(dir, journal)
		if err != nil {
			return false, err
		}
		did = true
		fmt.Fprintf(w, "rebuilt signatures.jsonl: kept %d signatures of %d requests, dropped %d lines; the old file is %s\n", rep.Kept, rep.Requests, rep.Dropped, rep.Aside)
		if len(rep.Lost) > 0 {
			fmt.Fprintf(w, "LOST the signatures of %d issued request(s), journaled as lost: %s\n", len(rep.Lost), strings.Join(rep.Lost, " "))
		}
	}
	chk, err := signer.CheckStart(dir, store, journal, pub, files)
	if err != nil {
		return did, stateErr(err)
	}
	said, err := chk.Repair(journal)
	for _, s := range said {
		fmt.Fprintln(w, s)
	}
	return did || len(said) > 0, err
}

// keyFilesOf returns the box's public key and the key files to pin, or
// nothing for a state dir without a key (a copy of the journal alone).
func keyFilesOf(dir string) ([]byte, []string, error) {
	if there, err := statedir.HasKey(dir); err != nil || !there {
		return nil, nil, err
	}
	ks, err := loadKeyState(dir)
	if err != nil {
		return nil, nil, err
	}
	return ks.Pub, statedir.KeyFiles(), nil
}
