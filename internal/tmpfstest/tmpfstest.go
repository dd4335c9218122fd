// Package tmpfstest mounts small tmpfs file systems for tests that need a
// real full disk. Only _test.go files import it.
package tmpfstest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/signetbox/signet/internal/testenv"
)

// Mount mounts a tmpfs of sizeKiB on a new temp dir and unmounts it in
// cleanup (register it before anything that keeps files open there). It
// needs root: off CI the test is skipped, saying why; with CI=true (CI
// runs as root) it fails.
func Mount(t testing.TB, sizeKiB int) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dk,mode=0700", sizeKiB), "tmpfs", dir).CombinedOutput()
	if err != nil {
		testenv.SkipOrFail(t, "mounting a tmpfs needs root: %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// Fill writes dir/filler until the file system has no free page left.
// Remove the file to make room again.
func Fill(t testing.TB, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Bavail != 0 {
		t.Fatalf("the tmpfs is not full: %d pages free (%v)", st.Bavail, err)
	}
}
