package vpiv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/testenv"
)

// Paths of the PC/SC daemon's socket and the vpcd reader driver as the
// Debian packages pcscd and vsmartcard-vpcd install them.
const (
	pcscdSocket  = "/run/pcscd/pcscd.comm"
	pcscdPIDFile = "/run/pcscd/pcscd.pid"
	vpcdDriver   = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
)

// ErrNotInstalled means pcscd or the vpcd driver is missing; scripts/deps.sh
// installs both.
var ErrNotInstalled = errors.New("vpiv: pcscd or vsmartcard-vpcd is not installed; run scripts/deps.sh")

// EnsurePCSCD makes sure a pcscd that loads the vpcd reader is running: it
// starts `pcscd -f` in its own session when no daemon runs, stopping
// systemd's socket-activated pcscd first (it exits when idle and would
// forget the virtual card).
//
// Test processes run in parallel, so the check and the start happen under
// a machine-wide lock: two processes that both found no daemon would each
// start one, and the second, unable to take vpcd's port, would replace
// the first one's socket with its own, which has no virtual reader.
func EnsurePCSCD() error {
	if _, err := exec.LookPath("pcscd"); err != nil {
		return ErrNotInstalled
	}
	if _, err := os.Stat(vpcdDriver); err != nil {
		return ErrNotInstalled
	}
	unlock, err := lockFile(machineLockPath("signet-pcscd.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if pids := processesNamed("pcscd"); len(pids) > 1 {
		return fmt.Errorf("vpiv: %d pcscd daemons run (pids %v) and only one can own %s and the virtual reader; stop all but one (or all) and run the tests again", len(pids), pids, pcscdSocket)
	}
	if pcscdAnswers() {
		return nil
	}
	if pid, ok := pcscdRunning(); ok {
		// Alive but not answering (a loaded machine): wait, never start a
		// second one.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			if pcscdAnswers() {
				return nil
			}
			time.Sleep(100 * time.Millisecond)
		}
		return fmt.Errorf("vpiv: pcscd (pid %d) runs but does not answer on %s; stop it and run the tests again", pid, pcscdSocket)
	}
	if _, err := exec.LookPath("systemctl"); err == nil {
		if exec.Command("systemctl", "is-active", "--quiet", "pcscd.socket").Run() == nil {
			exec.Command("systemctl", "stop", "pcscd.socket", "pcscd.service").Run()
		}
	}
	os.Remove(pcscdSocket) // a stale socket from a daemon that died
	cmd := exec.Command("pcscd", "-f")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("vpiv: starting pcscd: %w", err)
	}
	cmd.Process.Release()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if pcscdAnswers() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("vpiv: pcscd started but its socket did not appear within 10s; run `pcscd -f -d` to see why")
}

// pcscdRunning reports a live pcscd from its pid file.
func pcscdRunning() (int, bool) {
	b, err := os.ReadFile(pcscdPIDFile)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return pid, err == nil && strings.TrimSpace(string(comm)) == "pcscd"
}

// processesNamed lists the pids of the running processes whose command
// name (/proc/PID/comm, at most 15 bytes) is name.
func processesNamed(name string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(comm)) == name {
			pids = append(pids, pid)
		}
	}
	return pids
}

func pcscdAnswers() bool {
	conn, err := net.DialTimeout("unix", pcscdSocket, 3*time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// RequirePCSCD runs EnsurePCSCD for a test. Under -short it skips the
// test; without pcscd or vpcd it skips it, saying why, unless CI is
// "true", where it fails.
func RequirePCSCD(tb testing.TB) {
	tb.Helper()
	testenv.SkipShort(tb, "a virtual smart card in pcscd")
	err := EnsurePCSCD()
	switch {
	case err == nil:
	case errors.Is(err, ErrNotInstalled):
		testenv.SkipOrFail(tb, "%v", err)
	default:
		tb.Fatal(err)
	}
}
