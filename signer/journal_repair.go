package signer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// RepairTorn moves a torn last record of the journal in dir aside, into
// journal.torn.<unix-time> next to it, then cuts it off journal.log. It
// returns the path of the file the bytes went to, or "" if the journal
// had no torn record. A journal whose chain is broken is refused and left
// as it is. The caller should hold LockStateDir.
func RepairTorn(dir string) (string, error) {
	path := filepath.Join(dir, journalFile)
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
	buf := make([]byte, torn.Bytes)
	if _, err := f.ReadAt(buf, torn.Offset); err != nil {
		return "", fmt.Errorf("reading the torn record: %w", err)
	}
	aside, err := writeAside(dir, buf)
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

// writeAside stores b durably in a new journal.torn.<unix-time> file.
func writeAside(dir string, b []byte) (string, error) {
	base := filepath.Join(dir, fmt.Sprintf("journal.torn.%d", time.Now().Unix()))
	for i := 0; ; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s.%d", base, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("saving the torn record aside: %w", err)
		}
		_, err = f.Write(b)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = syncDir(dir)
		}
		if err != nil {
			return "", fmt.Errorf("saving the torn record aside in %s: %w", name, err)
		}
		return name, nil
	}
}
