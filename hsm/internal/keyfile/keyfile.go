// Package keyfile writes key files atomically (through internal/durable),
// so a crash leaves the old file or the new one, never a mix, and checks
// that a key file is its owner's alone.
package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/signetbox/signet/internal/durable"
)

// Mode is the permission of every key file.
const Mode = 0o600

// Create writes data to path with mode 0600 and refuses to replace an
// existing file.
func Create(path string, data []byte) error {
	err := durable.Create(path, data, Mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("key file %s already exists; move it away first if you really mean to replace it", path)
	}
	if err != nil {
		return fmt.Errorf("writing key file: %w", err)
	}
	return nil
}

// Replace atomically replaces the existing key file at path with data.
func Replace(path string, data []byte) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("replacing key file: %w", err)
	}
	if err := durable.Replace(path, data, Mode); err != nil {
		return fmt.Errorf("replacing key file: %w", err)
	}
	return nil
}

// CheckMode returns an error when path can be read or written by anyone but
// its owner.
func CheckMode(path string, fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("key file %s has mode %04o, which lets other users read it; run chmod 600 %s", path, perm, path)
	}
	return nil
}
