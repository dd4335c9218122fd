package statedir

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test re-run the test binary as a child that holds a
// state dir's lock: SIGNET_STATEDIR_LOCK_CHILD=<dir>.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SIGNET_STATEDIR_LOCK_CHILD"); dir != "" {
		if _, err := TakeLock(dir); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLockHeldByAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SIGNET_STATEDIR_LOCK_CHILD="+dir)
	cmd.Stderr = os.Stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	out := bufio.NewScanner(pipe)
	if !out.Scan() || out.Text() != "locked" {
		t.Fatalf("child did not lock: %q", out.Text())
	}
	_, err = TakeLock(dir)
	want := fmt.Sprintf("(pid %d holds %s)", cmd.Process.Pid, Path(dir, Lock))
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want ErrBusy naming %s", err, want)
	}
	// Once the holder dies, the kernel drops its lock.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	unlock, err := TakeLock(dir)
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	b, _ := os.ReadFile(Path(dir, Lock))
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("lock file holds %q, want our pid", b)
	}
	unlock()
	if b, _ := os.ReadFile(Path(dir, Lock)); len(b) != 0 {
		t.Fatalf("unlock left %q in the lock file", b)
	}
	unlock2, err := TakeLock(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

func TestLockErrors(t *testing.T) {
	missing := Path(t.TempDir(), "missing")
	if _, err := TakeLock(missing); err == nil || !strings.Contains(err.Error(), "opening the state dir lock") {
		t.Fatalf("lock in a missing directory: %v", err)
	}
}

func TestHolderPIDUnknown(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "lock")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("not a pid\n"); err != nil {
		t.Fatal(err)
	}
	if got := holderPID(f); got != "unknown" {
		t.Fatalf("holderPID = %q, want unknown", got)
	}
}
