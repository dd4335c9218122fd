package signer

// The key files (key.uri, key.pub, attestation.json) describe the box's
// key. They are plain files, so the journal pins them: a note holds the
// SHA-256 of each, and every start checks the files against the newest
// pin. The first start pins them, and so does a start after `signet key
// init --replace-existing-key`, which keeps the old files as
// NAME.replaced-<time>: the pinned bytes must be among those.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/signetbox/signet/statedir"
)

// absentFile is the pinned digest of a key file that does not exist.
const absentFile = "absent"

// fileDigest is "sha256:<hex>" of the file at path, or absentFile.
func fileDigest(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return absentFile, nil
	}
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return SecretDigest(string(b)), nil
}

// checkPin compares the key files with the newest pin, and says in c.pin
// whether Repair must pin them.
func (c *StartCheck) checkPin(h *history, names []string) error {
	now := map[string]string{}
	for _, name := range names {
		d, err := fileDigest(filepath.Join(c.dir, name))
		if err != nil {
			return err
		}
		now[name] = d
	}
	if h.pin.Seq == 0 {
		c.pin, c.pinWhy = now, "no journal record pinned them yet"
		return nil
	}
	changed := false
	for _, name := range names {
		pinned := h.pin.Detail[name]
		if pinned == now[name] {
			continue
		}
		changed = true
		if pinned == absentFile || !replacedAs(c.dir, name, pinned) {
			return &StateError{
				Problem: fmt.Sprintf("%s is not the file journal record #%d pinned (%s, now %s)", name, h.pin.Seq, pinned, now[name]),
				Fix:     "it was changed or damaged: restore it from a backup (key.pub must match the key device, and key.uri names it)",
			}
		}
	}
	if changed {
		c.pin, c.pinWhy = now, "signet key init replaced them (the old files are kept as NAME.replaced-<time>)"
	}
	return nil
}

// replacedAs reports whether a NAME.replaced-* file in dir (as `signet key
// init --replace-existing-key` leaves them) has the digest want.
func replacedAs(dir, name, want string) bool {
	for _, p := range statedir.Replaced(dir, name) {
		if d, err := fileDigest(p); err == nil && d == want {
			return true
		}
	}
	return false
}
