package durable

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// recordSyncs makes syncDir note each directory it syncs, for one test.
func recordSyncs(t *testing.T) *[]string {
	t.Helper()
	var synced []string
	syncDir = func(dir string) error {
		synced = append(synced, dir)
		return SyncDir(dir)
	}
	t.Cleanup(func() { syncDir = SyncDir })
	return &synced
}

// noTemp fails if a temporary file was left in dir.
func noTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestCreateWritesSyncsAndRefusesToReplace(t *testing.T) {
	dir := t.TempDir()
	synced := recordSyncs(t)
	path := filepath.Join(dir, "new-file")
	if err := Create(path, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Fatalf("file holds %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", fi.Mode().Perm())
	}
	if !slices.Equal(*synced, []string{dir}) {
		t.Fatalf("directories synced: %q, want the file's directory", *synced)
	}
	err := Create(path, []byte("two\n"), 0o644)
	if !errors.Is(err, fs.ErrExist) || err.Error() != "create "+path+": file exists" {
		t.Fatalf("Create over an existing file: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Fatalf("a refused Create changed the file to %q", b)
	}
	noTemp(t, dir)
}

func TestReplaceSwapsWholeFile(t *testing.T) {
	dir := t.TempDir()
	synced := recordSyncs(t)
	path := filepath.Join(dir, "replaced-file")
	for _, data := range []string{"first\n", "second, longer\n"} {
		if err := Replace(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != data {
			t.Fatalf("file holds %q, want %q", b, data)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	if !slices.Equal(*synced, []string{dir, dir}) {
		t.Fatalf("directories synced: %q, want the file's directory twice", *synced)
	}
	noTemp(t, dir)
}

func TestReplaceOverADirectoryFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taken")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Replace(path, []byte("x"), 0o600); err == nil || !strings.Contains(err.Error(), "writing "+path) {
		t.Fatalf("Replace over a non-empty directory: %v", err)
	}
	noTemp(t, dir)
}

func TestWriteInMissingDirectoryFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone", "f")
	if err := Create(path, nil, 0o600); err == nil || !strings.Contains(err.Error(), "writing "+path) {
		t.Fatalf("Create in a missing directory: %v", err)
	}
	if err := Replace(path, nil, 0o600); err == nil {
		t.Fatal("Replace in a missing directory succeeded")
	}
	if _, err := WriteAside(filepath.Dir(path), "x", 1, nil); err == nil {
		t.Fatal("WriteAside in a missing directory succeeded")
	}
}

func TestWriteAsideNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	synced := recordSyncs(t)
	var names []string
	for i := range 3 {
		name, err := WriteAside(dir, "journal.torn", 1700000000, []byte{byte(i)})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Base(name))
		if b, _ := os.ReadFile(name); !bytes.Equal(b, []byte{byte(i)}) {
			t.Fatalf("%s holds %v", name, b)
		}
		if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	want := []string{"journal.torn.1700000000", "journal.torn.1700000000.1", "journal.torn.1700000000.2"}
	if !slices.Equal(names, want) {
		t.Fatalf("names %q, want %q", names, want)
	}
	if len(*synced) != 3 {
		t.Fatalf("the directory was synced %d times, want 3", len(*synced))
	}
}

func TestWriteAsideGivesUp(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.5"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= maxAsideTries; i++ {
		if err := os.WriteFile(filepath.Join(dir, "p.5."+itoa(i)), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := WriteAside(dir, "p", 5, nil); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("every name taken: %v, want fs.ErrExist", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestSyncDirErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	if err := SyncDir(missing); err == nil || !strings.Contains(err.Error(), "syncing the directory "+missing) {
		t.Fatalf("SyncDir of a missing directory: %v", err)
	}
	// A sync failure of the directory fails the write: the new name may
	// not survive a crash, so the caller must not act on it.
	syncDir = func(string) error { return errors.New("disk gone") }
	t.Cleanup(func() { syncDir = SyncDir })
	if err := Create(filepath.Join(t.TempDir(), "f"), nil, 0o600); err == nil || err.Error() != "disk gone" {
		t.Fatalf("Create with a failing directory sync: %v", err)
	}
}
