package statedir

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrBusy means another process holds the state directory's lock.
var ErrBusy = errors.New("the state dir is in use by another signet process")

// TakeLock takes an exclusive flock on signet.lock in dir, so that one
// process at a time owns the journal and the chain store, and writes its
// pid there. If another process holds it, the error wraps ErrBusy and
// names that process's pid. unlock releases the lock.
func TakeLock(dir string) (unlock func(), err error) {
	path := Path(dir, Lock)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the state dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (pid %s holds %s); stop it first", ErrBusy, holderPID(f), path)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(pid, 0)
	}
	return func() {
		_ = f.Truncate(0)
		_ = f.Close() // closing releases the flock
	}, nil
}

// holderPID reads the pid the lock holder wrote, or "unknown".
func holderPID(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	s := strings.TrimSpace(string(buf[:n]))
	if _, err := strconv.Atoi(s); err != nil {
		return "unknown"
	}
	return s
}
