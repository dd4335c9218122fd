package vpiv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// pcscd is one per machine and piv-go sees every reader, so two test
// processes that each insert a card see both cards: one that looks for
// "the only YubiKey inserted" then finds two. The first Insert in a
// process therefore takes a machine-wide lock, held until the process
// exits, and test processes that use virtual cards run one after another.
var machineLock struct {
	once sync.Once
	// release is kept, never called: it holds the open lock file, which
	// the garbage collector would otherwise close.
	release func()
	err     error
}

// machineLockWait bounds the wait for another process's cards.
const machineLockWait = 5 * time.Minute

func holdMachineLock() error {
	machineLock.once.Do(func() {
		machineLock.release, machineLock.err = lockFile(machineLockPath("signet-vpiv.lock"))
	})
	return machineLock.err
}

// machineLockDir is where the machine-wide lock files live. It is a fixed
// directory, not os.TempDir: testscript and t.TempDir give each test its
// own TMPDIR, and a lock under it would be a lock per test, not per
// machine (seen: six pcscd started at once, each holding half the stack).
const machineLockDir = "/tmp"

// machineLockPath names a machine-wide lock file.
func machineLockPath(name string) string { return filepath.Join(machineLockDir, name) }

// lockFile takes an exclusive flock on path, waiting up to
// machineLockWait, and returns its release.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("vpiv: opening %s: %w", path, err)
	}
	for deadline := time.Now().Add(machineLockWait); ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("vpiv: waiting for %s: %w", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
