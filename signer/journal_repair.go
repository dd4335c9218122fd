package signer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/signetbox/signet/internal/durable"
	"github.com/signetbox/signet/statedir"
)

// RepairTorn moves a torn last record of the journal in dir aside, into
// journal.torn.<unix-time> next to it, then cuts it off journal.log. It
// returns the path of the file the bytes went to, or "" if the journal
// had no torn record. A last record that is whole but for its newline
// (TornError.Whole) is completed instead: nothing is cut, and the path
// returned is the journal's own. A journal whose chain is broken is
// refused and left as it is. The caller should hold LockStateDir.
func RepairTorn(dir string) (string, error) {
	path := filepath.Join(dir, statedir.Journal)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("opening the journal: %w", err)
	}
	defer f.Close()
	_, err = verifyFile(f, func(Record) {})
	var torn *TornError
	if !errors.As(err, &torn) {
		return "", err
	}
	if torn.Whole {
		if _, err := f.WriteAt([]byte("\n"), torn.Offset+torn.Bytes); err != nil {
			return "", fmt.Errorf("completing the last record: %w", err)
		}
		if err := f.Sync(); err != nil {
			return "", fmt.Errorf("syncing the journal: %w", err)
		}
		return path, nil
	}
	buf := make([]byte, torn.Bytes)
	if _, err := f.ReadAt(buf, torn.Offset); err != nil {
		return "", fmt.Errorf("reading the torn record: %w", err)
	}
	aside, err := writeAside(dir, statedir.JournalTorn, buf)
	if err != nil {
		return "", err
	}
	if err := f.Truncate(torn.Offset); err != nil {
		return aside, fmt.Errorf("cutting the torn record off the journal (its bytes are safe in %s): %w", aside, err)
	}
	if err := f.Sync(); err != nil {
		return aside, fmt.Errorf("syncing the journal: %w", err)
	}
	return aside, nil
}

// writeAside stores b durably in a new <prefix>.<unix-time> file in dir.
func writeAside(dir, prefix string, b []byte) (string, error) {
	name, err := durable.WriteAside(dir, prefix, time.Now().Unix(), b)
	if err != nil {
		return "", fmt.Errorf("saving bytes aside: %w", err)
	}
	return name, nil
}
