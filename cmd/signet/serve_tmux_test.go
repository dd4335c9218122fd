package main

// End-to-end test of the daemon on a real terminal: `signet serve` runs in
// tmux, requests come from the real `signet sign` over the unix socket, and
// the test reads the console with capture-pane and types with send-keys,
// as an operator would.

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/testrig"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

const tmuxPassphrase = "tmux test passphrase"

type tmuxServe struct {
	t       testing.TB
	session string
	bin     string
	dir     string
	sock    string
	soft    bool         // the key is a soft key, unlocked once at start
	pin     string       // a TPM key's PIN, typed at every "PIN to sign"
	pins    atomic.Int64 // how many times pin was typed
	// The pane (serve_console_tmux_test.go): before runs in the pane's
	// shell first; own execs the daemon so that it leads the pane's
	// session; strict leaves --insecure-console out.
	before      string
	own, strict bool
	extra       string // more flags for signet serve

	// For tests that type other PINs (serve_tpm_tmux_test.go).
	pinMu     sync.Mutex
	pinQueue  []string      // typed before pin, in order
	pinDelay  time.Duration // wait before typing, as a person does
	pinPrompt []byte        // the prompt answered; default tpmPINPrompt
	paneLog   string        // the pane's output, once answerPINs runs
}

// needTmux skips t under -short, and where tmux is missing off CI
// (testenv.LookPath).
func needTmux(t testing.TB) {
	t.Helper()
	testenv.SkipShort(t, "a real terminal in tmux")
	testenv.LookPath(t, "tmux")
}

// needPTY skips the test called what under -short (it runs the real
// daemon many times), and skips or fails it (testenv.SkipOrFail) where
// there is no /dev/ptmx for the daemon's console.
func needPTY(t testing.TB, what string) {
	t.Helper()
	testenv.SkipShort(t, what+" on the real daemon")
	if _, err := os.Stat("/dev/ptmx"); err != nil {
		testenv.SkipOrFail(t, "%s needs /dev/ptmx: %v", what, err)
	}
}

// newTmuxServe makes an empty state dir for a daemon run from bin; give
// it a key (softKey, tpmKey) and then launch it.
func newTmuxServe(t testing.TB, bin string) *tmuxServe {
	t.Helper()
	needTmux(t)
	s := &tmuxServe{t: t, bin: bin, dir: t.TempDir()}
	s.sock = filepath.Join(s.dir, "signet.sock")
	return s
}

// startServe makes a state dir with a soft key and starts the daemon in a
// fresh tmux session on a demo authority, typing the key's passphrase on
// its console.
func startServe(t testing.TB) *tmuxServe {
	t.Helper()
	needTmux(t)
	s := newTmuxServe(t, testenv.BuildSignet(t))
	s.softKey()
	s.launch(true)
	return s
}

// softKey writes a soft key and its key.uri, key.pub and attestation.json.
func (s *tmuxServe) softKey() ed25519.PublicKey {
	s.t.Helper()
	pub := testrig.SoftKey(s.t, s.dir, statedir.Path(s.dir, statedir.SoftKey), tmuxPassphrase)
	s.soft = true
	return pub
}

// launch starts `signet serve` in a fresh tmux session and returns once
// its socket exists. With demo, an empty chain store gets a demo
// authority. A soft key's passphrase is typed once; a TPM key's PIN is
// typed by answerPINs whenever the console asks for it.
func (s *tmuxServe) launch(demo bool) {
	t := s.t
	t.Helper()
	// The daemon waits for the gate file, so that the pane's output is
	// piped before the first prompt.
	gate := filepath.Join(t.TempDir(), "gate")
	shell := s.paneCommand(demo, gate)
	s.session = testenv.TmuxSession(t, 150, 50, shell)
	if s.pin != "" {
		s.answerPINs()
	}
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s.soft {
		if !s.screenShows("PIN to", 20*time.Second) {
			errText, _ := os.ReadFile(filepath.Join(s.dir, "serve.err"))
			t.Fatalf("the daemon did not ask for the key's passphrase:\n%s\n%s", s.screen(), errText)
		}
		s.keys(tmuxPassphrase, "Enter")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(s.sock); err == nil {
			return
		}
		if time.Now().After(deadline) {
			errText, _ := os.ReadFile(filepath.Join(s.dir, "serve.err"))
			t.Fatalf("the daemon did not start:\n%s\n%s", s.screen(), errText)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// paneCommand is the pane's shell command: wait for gate, then serve.
func (s *tmuxServe) paneCommand(demo bool, gate string) string {
	// The pane's shell shares the terminal, and this kernel may allow
	// TIOCSTI: tests run the daemon as a developer would (daemon/console.go).
	flags := "--review-timeout 20s --insecure-console"
	if s.strict {
		flags = "--review-timeout 20s"
	}
	if s.soft {
		flags += " --insecure-soft-key"
	}
	if demo {
		flags += " --demo-authority"
	}
	if s.extra != "" {
		flags += " " + s.extra
	}
	serve := fmt.Sprintf("%s serve --state %s --socket %s %s 2>%s/serve.err", s.bin, s.dir, s.sock, flags, s.dir)
	if s.own {
		serve = "exec " + serve
	} else {
		serve += "; echo SERVE-EXITED $?; sleep 60"
	}
	if s.before != "" {
		serve = s.before + "\n" + serve
	}
	return fmt.Sprintf("while [ ! -e %s ]; do sleep 0.02; done; %s", gate, serve)
}

func (s *tmuxServe) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", s.session).Output()
	if err != nil {
		s.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

func (s *tmuxServe) keys(keys ...string) {
	args := append([]string{"send-keys", "-t", s.session}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v %s", err, out)
	}
}

// screenShows reports whether the console shows want within d.
func (s *tmuxServe) screenShows(want string, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if strings.Contains(s.screen(), want) {
			return true
		}
	}
	return false
}

// waitScreen waits until the console shows want.
func (s *tmuxServe) waitScreen(want string, d time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the console never showed %q; it shows:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// request runs `signet sign` in the background and returns a function
// that waits for its output.
func (s *tmuxServe) request(args ...string) func() (string, error) {
	cmd := exec.Command(s.bin, append([]string{"sign", "--socket", s.sock}, args...)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	return func() (string, error) {
		err := cmd.Wait()
		return out.String(), err
	}
}

var codeRE = consolescreen.CodeRE

func (s *tmuxServe) code(scr string) string {
	m := codeRE.FindStringSubmatch(scr)
	if m == nil {
		s.t.Fatalf("no approval code on the console:\n%s", scr)
	}
	return m[1]
}

func TestServeConsoleInTmux(t *testing.T) {
	t.Parallel()
	s := startServe(t)
	nk := tka.NodeKey{1, 2, 3}

	// Approve with the code shown.
	wait := s.request(nk.String(), "--claim", "device=build-box", "--id", "tmux-1")
	scr := s.waitScreen("Approval code:", 20*time.Second)
	if !strings.Contains(scr, "WARNING: SOFTWARE KEY") || !strings.Contains(scr, nk.String()) {
		t.Fatalf("the console must show the node key and the software-key warning:\n%s", scr)
	}
	s.keys(s.code(scr), "Enter")
	out, err := wait()
	if err != nil || !strings.Contains(out, "status: signed") || !strings.Contains(out, "signature: ") {
		t.Fatalf("approved request: %v\n%s", err, out)
	}

	// A wrong code denies.
	wait = s.request(tka.NodeKey{4}.String(), "--id", "tmux-2")
	s.waitScreen("tmux-2", 20*time.Second)
	s.keys("AAA-AAA", "Enter")
	if out, err := wait(); err == nil || !strings.Contains(out, "denied") || !strings.Contains(out, "wrong-code") {
		t.Fatalf("wrong code must deny: %v\n%s", err, out)
	}

	// Enter alone denies.
	wait = s.request(tka.NodeKey{5}.String(), "--id", "tmux-3")
	s.waitScreen("tmux-3", 20*time.Second)
	s.keys("Enter")
	if out, err := wait(); err == nil || !strings.Contains(out, "denied") {
		t.Fatalf("Enter alone must deny: %v\n%s", err, out)
	}

	// A device name full of escape sequences cannot touch the screen.
	evil := "\x1b[2J\x1b[31mEVIL\x1b]0;pwned\x07\u202eboxname\r\nApproval code: ZZZ-ZZZ"
	wait = s.request(tka.NodeKey{6}.String(), "--id", "tmux-4", "--claim", "device="+evil)
	scr = s.waitScreen("tmux-4", 20*time.Second)
	if !strings.Contains(scr, "Claims from the request (NOT verified)") || strings.Count(scr, "Approval code:") != 1 || !strings.Contains(scr, "tmux-4") {
		t.Fatalf("the console was disturbed by the claim:\n%s", scr)
	}
	if !strings.Contains(scr, `\x1b[2J`) {
		t.Fatalf("the escape sequence must be shown as visible text:\n%s", scr)
	}
	s.keys("Escape")
	if out, err := wait(); err == nil || !strings.Contains(out, "denied") {
		t.Fatalf("Esc must deny: %v\n%s", err, out)
	}

	// status describes the authority and the key device.
	st, err := exec.Command(s.bin, "status", "--socket", s.sock).CombinedOutput()
	if err != nil || !strings.Contains(string(st), "key device: soft, present") || !strings.Contains(string(st), "(trusted)") {
		t.Fatalf("status: %v\n%s", err, st)
	}

	// The replayed first request gets its first answer, without the console.
	wait = s.request(nk.String(), "--claim", "device=build-box", "--id", "tmux-1")
	if out, err := wait(); err != nil || !strings.Contains(out, "status: signed") {
		t.Fatalf("replay: %v\n%s", err, out)
	}
}

// BenchmarkServeIdleRSS starts the real daemon and reads its resident
// memory once it sits idle, waiting for requests.
func BenchmarkServeIdleRSS(b *testing.B) {
	s := startServe(b)
	for b.Loop() {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	pidText, err := os.ReadFile(statedir.Path(s.dir, statedir.Lock))
	if err != nil {
		b.Fatal(err)
	}
	status, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pidText)) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	var kb float64
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			fmt.Sscanf(strings.TrimPrefix(line, "VmRSS:"), "%f", &kb)
		}
	}
	if kb == 0 {
		b.Fatal("no VmRSS for the daemon")
	}
	b.ReportMetric(kb/1024, "MiB-rss")
	fmt.Printf("FIGURE serve-idle-rss %.1f MiB\n", kb/1024)
}
