package fsck

import (
	"fmt"
	"os"
	"strings"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// Repair repairs the state directory dir under its lock: it moves a torn
// last record of the journal aside (or completes one that lacks only its
// newline), rebuilds the signature index if rebuildIndex is set, then
// runs the start checks and the repairs they allow. It returns one line
// per thing it did, for the operator, also when it stops at an error;
// none means there was nothing to repair. A disagreement the checks find
// is a *signer.StateError.
func Repair(dir string, rebuildIndex bool) ([]string, error) {
	unlock, err := statedir.TakeLock(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	said, err := repairJournalTail(dir)
	if err != nil {
		return said, err
	}
	more, err := repairStateTails(dir, rebuildIndex)
	return append(said, more...), err
}

// repairJournalTail moves a torn last record of the journal aside, or
// completes one that lacks only its newline.
func repairJournalTail(dir string) ([]string, error) {
	before, _ := signer.Verify(statedir.Path(dir, statedir.Journal))
	aside, err := signer.RepairTorn(dir)
	if err != nil {
		return nil, JournalErr(before, err)
	}
	switch {
	case aside == "":
		return nil, nil
	case before.Torn != nil && before.Torn.Whole:
		return []string{fmt.Sprintf("completed the last record of %s (%d bytes) with its missing newline", aside, before.Torn.Bytes)}, nil
	}
	var n int64
	if before.Torn != nil {
		n = before.Torn.Bytes
	}
	return []string{fmt.Sprintf("moved a torn record (%d bytes) to %s", n, aside)}, nil
}

// repairStateTails runs the start checks and the repairs they allow (and,
// if asked, rebuilds the index first).
func repairStateTails(dir string, rebuildIndex bool) ([]string, error) {
	var store *signer.ChainStore
	if _, err := os.Stat(statedir.Path(dir, statedir.Chain)); err == nil {
		if store, err = signer.OpenChainStore(dir); err != nil {
			return nil, err
		}
		defer store.Close()
	}
	journal, err := signer.OpenJournal(dir)
	if err != nil {
		return nil, err
	}
	defer journal.Close()
	pub, files, err := KeyFilesOf(dir)
	if err != nil {
		return nil, err
	}
	var said []string
	if rebuildIndex {
		rep, err := signer.RebuildIndex(dir, journal)
		if err != nil {
			return nil, err
		}
		said = append(said, fmt.Sprintf("rebuilt signatures.jsonl: kept %d signatures of %d requests, dropped %d lines; the old file is %s", rep.Kept, rep.Requests, rep.Dropped, rep.Aside))
		if len(rep.Lost) > 0 {
			said = append(said, fmt.Sprintf("LOST the signatures of %d issued request(s), journaled as lost: %s", len(rep.Lost), strings.Join(rep.Lost, " ")))
		}
	}
	chk, err := signer.CheckStart(dir, store, journal, pub, files)
	if err != nil {
		return said, err
	}
	done, err := chk.Repair(journal)
	return append(said, done...), err
}
