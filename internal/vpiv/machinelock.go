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
	f    *os.File
	err  error
}

// machineLockWait bounds the wait for another process's cards.
const machineLockWait = 5 * time.Minute

func holdMachineLock() error {
	machineLock.once.Do(func() {
		path := filepath.Join(os.TempDir(), "signet-vpiv.lock")
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			machineLock.err = fmt.Errorf("vpiv: opening %s: %w", path, err)
			return
		}
		deadline := time.Now().Add(machineLockWait)
		for {
			err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			if err == nil {
				machineLock.f = f
				return
			}
			if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
				f.Close()
				machineLock.err = fmt.Errorf("vpiv: another test process kept the virtual card reader for %s: %w", machineLockWait, err)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return machineLock.err
}
