// Package durable writes files so that a crash leaves either the old
// state or the new one: the data goes to a temporary file in the same
// directory, which is synced, then linked (a new file) or renamed (a
// replacement) into place, and the directory is synced so the new name
// survives a power cut.
package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Create writes data to a new file at path with permission perm. It fails
// with an error wrapping fs.ErrExist if path exists, and never leaves a
// partly written file at path.
func Create(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// link(2) fails with EEXIST instead of replacing, unlike rename(2).
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return &fs.PathError{Op: "create", Path: path, Err: syscall.EEXIST}
	} else if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// Replace writes data to path with permission perm, replacing any file
// there whole: a reader sees the old bytes or the new ones, never a mix.
func Replace(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// maxAsideTries bounds the search for a free name in WriteAside.
const maxAsideTries = 100

// WriteAside stores data (mode 0600) in a new file in dir named
// prefix.<unix-time>, or prefix.<unix-time>.N when that name is taken,
// and returns its path. It keeps bytes cut off a damaged file.
func WriteAside(dir, prefix string, unix int64, data []byte) (string, error) {
	base := filepath.Join(dir, fmt.Sprintf("%s.%d", prefix, unix))
	for i := 0; ; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s.%d", base, i)
		}
		err := Create(name, data, 0o600)
		if errors.Is(err, fs.ErrExist) && i < maxAsideTries {
			continue
		}
		if err != nil {
			return "", err
		}
		return name, nil
	}
}

// SyncDir fsyncs the directory dir, so that a file created, linked or
// renamed in it survives a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing the directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing the directory %s: %w", dir, err)
	}
	return nil
}

// syncDir is SyncDir; tests replace it to see which directories are
// synced.
var syncDir = SyncDir

// writeTemp writes data to a new temporary file beside path, synced and
// closed, and returns its name.
func writeTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	name := f.Name()
	err = f.Chmod(perm)
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
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return name, nil
}
