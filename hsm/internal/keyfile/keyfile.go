// Package keyfile writes key files atomically: a temporary file in the same
// directory, fsync, then a link (new files) or rename (replacements), then
// an fsync of the directory, so a crash leaves the old file or the new one,
// never a mix.
package keyfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Mode is the permission of every key file.
const Mode = 0o600

// Create writes data to path with mode 0600 and refuses to replace an
// existing file.
func Create(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// NOTE: link(2) fails with EEXIST instead of replacing, unlike rename(2).
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("key file %s already exists; move it away first if you really mean to replace it", path)
		}
		return fmt.Errorf("writing key file %s: %w", path, err)
	}
	return syncDir(path)
}

// Replace atomically replaces the existing key file at path with data.
func Replace(path string, data []byte) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("replacing key file: %w", err)
	}
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replacing key file %s: %w", path, err)
	}
	return syncDir(path)
}

// CheckMode returns an error when path can be read or written by anyone but
// its owner.
func CheckMode(path string, fi fs.FileInfo) error {
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("key file %s has mode %04o, which lets other users read it; run chmod 600 %s", path, perm, path)
	}
	return nil
}

func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("writing key file %s: %w", path, err)
	}
	name := f.Name()
	err = f.Chmod(Mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing key file %s: %w", path, err)
	}
	return name, nil
}

func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("syncing the directory of %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing the directory of %s: %w", path, err)
	}
	return nil
}
