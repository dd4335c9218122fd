package main

// The console as an attacker and a late operator meet it, on the real
// daemon in tmux: other processes try to type into it with TIOCSTI (issue
// 12 item 3), and keys typed while nothing is asked are never shown and
// Ctrl-C does not stop the daemon (issue 13).

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// injectResult is what internal/ttyinject reports.
type injectResult struct {
	UID                               int
	CapAdmin                          bool
	Typed                             int
	TIOCSTI, Setsid, TIOCSCTTY, Again string
}

// kernelTIOCSTI reads dev.tty.legacy_tiocsti: "1" (or a kernel before
// 6.2, which has no switch) lets a process type into its controlling
// terminal.
func kernelTIOCSTI(t *testing.T) bool {
	b, err := os.ReadFile("/proc/sys/dev/tty/legacy_tiocsti")
	if err != nil {
		t.Logf("no dev.tty.legacy_tiocsti (%v): TIOCSTI is always allowed", err)
		return true
	}
	t.Logf("this kernel has dev.tty.legacy_tiocsti=%s", strings.TrimSpace(string(b)))
	return strings.TrimSpace(string(b)) != "0"
}

// readInjection waits for ttyinject's result.
func readInjection(t *testing.T, path string) injectResult {
	t.Helper()
	var res injectResult
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &res) == nil {
			t.Logf("ttyinject: %s", b)
			if res.CapAdmin {
				t.Fatal("the attacker still holds CAP_SYS_ADMIN: the test proves nothing")
			}
			return res
		}
	}
	t.Fatal("ttyinject wrote no result")
	return res
}

// paneTTY is the terminal of the daemon's tmux pane.
func (s *tmuxServe) paneTTY() string {
	out, err := exec.Command("tmux", "display-message", "-p", "-t", s.session, "#{pane_tty}").Output()
	if err != nil {
		s.t.Fatalf("pane_tty: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// daemonPID reads the daemon's pid from its state-dir lock.
func (s *tmuxServe) daemonPID() int {
	b, err := os.ReadFile(statedir.Path(s.dir, statedir.Lock))
	if err != nil {
		s.t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		s.t.Fatalf("signet.lock: %v", err)
	}
	return pid
}

// sessionAndTTY reads a process's session and controlling terminal
// (encoded as in /proc/PID/stat) from /proc.
func sessionAndTTY(t *testing.T, pid int) (sid, ttyNr int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	sid, _ = strconv.Atoi(f[3])
	ttyNr, _ = strconv.Atoi(f[4])
	return sid, ttyNr
}

// ttyNr encodes a terminal's device number as /proc/PID/stat does.
func ttyNr(t *testing.T, path string) int {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	major, minor := int(unix.Major(st.Rdev)), int(unix.Minor(st.Rdev))
	return minor&0xff | major<<8 | (minor&^0xff)<<12
}

// promptLine is the review's input line, as typed so far.
func promptLine(scr string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(l, "Step 1 of 1, type the approval code:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "Step 1 of 1, type the approval code:"))
		}
	}
	return "(no input line)"
}

// Another process types the approval code into the console with TIOCSTI.
// When the daemon leads the pane's session, the console is its own: the
// attacker's ioctl fails, taking the terminal fails, and the review waits
// untouched. When the daemon shares its shell's session (--insecure-
// console), an attacker in that session approves on a kernel that allows
// TIOCSTI: that is why serve refuses such a console without the flag.
func TestServeConsoleTIOCSTI(t *testing.T) {
	t.Parallel()
	needTmux(t)
	legacy := kernelTIOCSTI(t)
	bin, inject := testenv.BuildSignet(t), testenv.Build(t, "internal/ttyinject")

	t.Run("own session", func(t *testing.T) {
		s := newTmuxServe(t, bin)
		s.softKey()
		s.own = true // the daemon leads the pane's session
		s.launch(true)
		pid := s.daemonPID()
		tty := s.paneTTY()
		if sid, nr := sessionAndTTY(t, pid); sid != pid || nr != ttyNr(t, tty) {
			t.Fatalf("the daemon (pid %d) is in session %d with terminal %#x; want its own session with %s (%#x)", pid, sid, nr, tty, ttyNr(t, tty))
		}
		scr := s.screen()
		if legacy != strings.Contains(scr, "INSECURE CONSOLE") {
			t.Errorf("with legacy TIOCSTI %v the console must warn exactly then:\n%s", legacy, scr)
		}
		wait := s.request(tka.NodeKey{0x51}.String(), "--id", "inject-own")
		scr = s.waitScreen("Approval code:", 20*time.Second)
		code := s.code(scr)
		dir := t.TempDir()
		text, out := filepath.Join(dir, "text"), filepath.Join(dir, "out")
		if err := os.WriteFile(text, []byte(code+"\r"), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(inject, "-tty", tty, "-steal", "-text", text, "-out", out).CombinedOutput(); err != nil {
			t.Fatalf("ttyinject: %v\n%s", err, b)
		}
		res := readInjection(t, out)
		okErr := map[string]bool{"EPERM": true, "EIO": true}
		if res.Typed != 0 || !okErr[res.TIOCSTI] || res.TIOCSCTTY != "EPERM" || !okErr[res.Again] {
			t.Errorf("the attacker typed %d bytes (TIOCSTI %q, TIOCSCTTY %q, again %q); want none, each refused", res.Typed, res.TIOCSTI, res.TIOCSCTTY, res.Again)
		}
		time.Sleep(500 * time.Millisecond) // what was typed would be drawn by now
		scr = s.screen()
		if got := promptLine(scr); got != "" || !strings.Contains(scr, "inject-own") {
			t.Fatalf("the review changed after the attack (input %q):\n%s", got, scr)
		}
		s.keys("Escape")
		if out, err := wait(); err == nil || !strings.Contains(out, "denied") {
			t.Fatalf("the request must end denied, by the operator: %v\n%s", err, out)
		}
	})

	t.Run("shared session", func(t *testing.T) {
		s := newTmuxServe(t, bin)
		s.softKey()
		dir := t.TempDir()
		text, out := filepath.Join(dir, "text"), filepath.Join(dir, "out")
		// The attacker runs in the pane's session, as a job started from
		// the operator's shell would.
		s.before = fmt.Sprintf("%s -ctty -text %s -out %s &", inject, text, out)
		s.launch(true)
		wait := s.request(tka.NodeKey{0x52}.String(), "--id", "inject-shared")
		scr := s.waitScreen("Approval code:", 20*time.Second)
		if !strings.Contains(scr, "WARNING: INSECURE CONSOLE") {
			t.Errorf("a shared console must warn on the review:\n%s", scr)
		}
		if err := os.WriteFile(text, []byte(s.code(scr)+"\r"), 0o644); err != nil {
			t.Fatal(err)
		}
		res := readInjection(t, out)
		if !legacy {
			if res.TIOCSTI != "EIO" {
				t.Fatalf("with legacy_tiocsti=0 TIOCSTI must fail with EIO, got %q", res.TIOCSTI)
			}
			s.keys("Escape")
			wait()
			return
		}
		// This kernel allows TIOCSTI: the attack works on a shared console.
		if res.TIOCSTI != "" {
			t.Fatalf("the attacker in the shell's session could not type (%q): the rig proves nothing", res.TIOCSTI)
		}
		if out, err := wait(); err != nil || !strings.Contains(out, "status: signed") {
			t.Fatalf("the injected code should have approved on a shared console: %v\n%s", err, out)
		}
	})

	t.Run("refused without the flag", func(t *testing.T) {
		for _, own := range []bool{false, true} {
			s := newTmuxServe(t, bin)
			s.softKey()
			s.own, s.strict = own, true
			errText := s.launchRefused()
			var want []string
			if !own {
				want = append(want, "is the terminal of session")
			}
			if legacy {
				want = append(want, "TIOCSTI (dev.tty.legacy_tiocsti=1)")
			}
			if len(want) == 0 {
				if errText != "" {
					t.Errorf("an own console on a kernel without TIOCSTI must start: %s", errText)
				}
				continue
			}
			for _, w := range append(want, "signet: error: other processes could type into the console: ", "--insecure-console") {
				if !strings.Contains(errText, w) {
					t.Errorf("own=%v: the refusal lacks %q:\n%s", own, w, errText)
				}
			}
		}
	})
}

// launchRefused starts the daemon and returns its stderr once it exited,
// or "" once it serves.
func (s *tmuxServe) launchRefused() string {
	t := s.t
	t.Helper()
	gate := filepath.Join(t.TempDir(), "gate")
	shell := s.paneCommand(true, gate)
	s.session = testenv.TmuxSession(t, 150, 50, shell)
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	errPath := filepath.Join(s.dir, "serve.err")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, _ := os.ReadFile(errPath); strings.Contains(string(b), "signet: error:") {
			return string(b)
		}
		// The pane is gone once an exec'd daemon exits: no fatal capture.
		if scr, _ := exec.Command("tmux", "capture-pane", "-p", "-t", s.session).Output(); strings.Contains(string(scr), "PIN to") {
			return ""
		}
	}
	t.Fatal("the daemon neither refused nor asked for its passphrase")
	return ""
}

// Keys typed while no review is open are never shown (a PIN typed late
// showed as 4711) and never reach the next review; Ctrl-C while idle does
// not stop the daemon but says how to.
func TestServeConsoleIdleInTmux(t *testing.T) {
	t.Parallel()
	s := startServe(t)
	s.waitScreen("signet serving", 20*time.Second)
	s.keys("-l", "4711")
	scr := s.waitScreen("Nothing is asked now", 20*time.Second)
	s.keys("-l", "0815")
	s.keys("Enter")
	time.Sleep(300 * time.Millisecond)
	if scr = s.screen(); strings.Contains(scr, "4711") || strings.Contains(scr, "0815") {
		t.Fatalf("keys typed while idle reached the screen:\n%s", scr)
	}
	s.keys("C-c")
	scr = s.waitScreen("Ctrl-C does not stop signet", 20*time.Second)
	if !strings.Contains(scr, "systemctl stop signet") {
		t.Errorf("the Ctrl-C hint must say how to stop the service:\n%s", scr)
	}
	time.Sleep(300 * time.Millisecond)
	if st, err := exec.Command(s.bin, "status", "--socket", s.sock).CombinedOutput(); err != nil {
		t.Fatalf("the daemon stopped on an idle Ctrl-C: %v\n%s\n%s", err, st, s.screen())
	}
	// The next review starts with an empty input line.
	wait := s.request(tka.NodeKey{0x53}.String(), "--id", "idle-then-review")
	scr = s.waitScreen("Approval code:", 20*time.Second)
	rev, ok := consolescreen.NextReview(consolescreen.Strip([]byte(scr)), nil)
	if !ok || rev.ID != "idle-then-review" {
		t.Fatalf("consolescreen reads %+v, %v:\n%s", rev, ok, scr)
	}
	if got := promptLine(scr); got != "" || strings.Contains(scr, "4711") {
		t.Fatalf("the review starts with input %q:\n%s", got, scr)
	}
	s.keys(rev.Code, "Enter")
	if out, err := wait(); err != nil || !strings.Contains(out, "status: signed") {
		t.Fatalf("approving after idle keys: %v\n%s", err, out)
	}
}

// Started as an ordinary child (not a session leader) on a terminal no
// session has, the daemon starts a session of its own and makes the
// console its controlling terminal; then nobody else can take it.
func TestServeClaimsConsole(t *testing.T) {
	t.Parallel()
	s := newTmuxServe(t, testenv.BuildSignet(t)) // only for its state dir and key
	s.softKey()
	p, err := openCrashPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.master.Close()
	defer p.slave.Close()
	cmd := exec.Command(s.bin, "serve", "--state", s.dir, "--socket", s.sock, "--console", p.slavePath,
		"--insecure-soft-key", "--insecure-console", "--demo-authority", "--no-color")
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(unix.SIGTERM); cmd.Wait() }()
	screen := make(chan string, 1)
	go func() {
		var all []byte
		buf := make([]byte, 4096)
		for {
			n, err := p.master.Read(buf)
			all = append(all, buf[:n]...)
			if strings.Contains(string(all), "PIN to") {
				select {
				case screen <- string(all):
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-screen:
	case <-time.After(30 * time.Second):
		t.Fatalf("no passphrase prompt; stderr:\n%s", stderr.String())
	}
	p.master.WriteString(tmuxPassphrase + "\r")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(s.sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not serve; stderr:\n%s", stderr.String())
		}
	}
	pid := cmd.Process.Pid
	if sid, nr := sessionAndTTY(t, pid); sid != pid || nr != ttyNr(t, p.slavePath) {
		t.Fatalf("the daemon is in session %d with terminal %#x; want its own session %d with %s (%#x)\n%s",
			sid, nr, pid, p.slavePath, ttyNr(t, p.slavePath), stderr.String())
	}
	if strings.Contains(stderr.String(), "terminal of session") {
		t.Errorf("the daemon says its console is shared:\n%s", stderr.String())
	}
	dir := t.TempDir()
	text, out := filepath.Join(dir, "text"), filepath.Join(dir, "out")
	os.WriteFile(text, []byte("x"), 0o644)
	if b, err := exec.Command(testenv.Build(t, "internal/ttyinject"), "-tty", p.slavePath, "-steal", "-text", text, "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("ttyinject: %v\n%s", err, b)
	}
	if res := readInjection(t, out); res.Typed != 0 || res.TIOCSCTTY != "EPERM" {
		t.Errorf("another process took or typed into the daemon's console: %+v", res)
	}
}
