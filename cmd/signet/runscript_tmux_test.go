package main

// scripts/run.sh (make run) in tmux, as a newcomer runs it: it owns its
// software TPM (a socket in the state dir, never a listener someone left
// on 127.0.0.1:2321), stops it when the daemon ends (after
// TPM2_Shutdown), cleans up one an earlier killed run left behind, never
// touches the one another run uses, and says what every PIN prompt is for.

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// runPIN is the PIN the test chooses for make run's key.
const runPIN = "run-test-pin-1357"

// runScript is one run of scripts/run.sh in its own tmux server.
type runScript struct {
	t            *testing.T
	tmux         string // the -L socket name
	session      string
	state, bin   string
	log          string // the pane's output
	prompts      int    // PIN prompts answered, counted from the pane's output
	promptsSeen  int
	sock         string
	exitedMarker string
}

func needRunTools(t *testing.T) {
	t.Helper()
	needTmux(t)
	for _, tool := range []string{"swtpm", "swtpm_ioctl", "tpm2_shutdown", "flock"} {
		testenv.LookPath(t, tool)
	}
}

// startRun starts scripts/run.sh on state in a fresh pane.
func startRun(t *testing.T, bin, state, name string) *runScript {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	r := &runScript{t: t, tmux: fmt.Sprintf("signet-run-%d", time.Now().UnixNano()), session: name, state: state, bin: bin,
		log: filepath.Join(t.TempDir(), "pane.out"), sock: filepath.Join(state, "signet.sock"), exitedMarker: "RUN-EXITED-" + name}
	shell := fmt.Sprintf("cd %s && SIGNET_BIN=%s SIGNET_RUN_STATE=%s bash scripts/run.sh; echo %s $?; sleep 120", repo, bin, state, r.exitedMarker)
	if out, err := exec.Command("tmux", "-L", r.tmux, "new-session", "-d", "-s", name, "-x", "160", "-y", "50", "sleep 0.5; "+shell).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", r.tmux, "kill-server").Run() })
	if out, err := exec.Command("tmux", "-L", r.tmux, "pipe-pane", "-t", name, "cat >> "+r.log).CombinedOutput(); err != nil {
		t.Fatalf("tmux pipe-pane: %v %s", err, out)
	}
	return r
}

func (r *runScript) output() string {
	b, _ := os.ReadFile(r.log)
	return string(b)
}

func (r *runScript) screen() string {
	out, _ := exec.Command("tmux", "-L", r.tmux, "capture-pane", "-p", "-t", r.session).Output()
	return string(out)
}

func (r *runScript) typeLine(s string) {
	for _, args := range [][]string{{"send-keys", "-t", r.session, "-l", s}, {"send-keys", "-t", r.session, "Enter"}} {
		if out, err := exec.Command("tmux", append([]string{"-L", r.tmux}, args...)...).CombinedOutput(); err != nil {
			r.t.Fatalf("send-keys: %v %s", err, out)
		}
	}
}

// until waits for cond, answering every PIN prompt that appears in the
// pane's output with the PIN and checking what the screen says it is for.
func (r *runScript) until(what string, cond func() bool) {
	r.t.Helper()
	for deadline := time.Now().Add(90 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		out := r.output()
		n := strings.Count(out, "New TPM PIN:") + strings.Count(out, "Repeat the new TPM PIN:") + strings.Count(out, "PIN to sign with the TPM key")
		for ; r.promptsSeen < n; r.promptsSeen++ {
			r.checkPurpose()
			r.typeLine(runPIN)
			r.prompts++
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("make run never got to %s; the pane shows:\n%s", what, r.screen())
		}
	}
}

// checkPurpose fails unless the screen says what the PIN prompt on it is
// for.
func (r *runScript) checkPurpose() {
	r.t.Helper()
	var scr string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if scr = r.screen(); strings.Contains(scr, "PIN") {
			break
		}
	}
	switch {
	case strings.Contains(scr, "PIN to sign with the TPM key"):
		// The prompt says what it signs: the demo authority, or a
		// request ("request ID, 1 signature").
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(scr, "PIN to sign with the TPM key ("+signer.DemoWhy+")") && !strings.Contains(scr, "PIN to sign with the TPM key (request "); scr = r.screen() {
			if time.Now().After(deadline) {
				r.t.Fatalf("the PIN prompt does not say what it signs:\n%s", scr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	case strings.Contains(scr, "New TPM PIN:"):
		if !strings.Contains(scr, "choose a PIN for the signing key: it is asked twice") {
			r.t.Fatalf("the first PIN prompt does not say what the PIN is for:\n%s", scr)
		}
	}
}

func (r *runScript) serving() bool {
	_, err := os.Stat(r.sock)
	return err == nil && strings.Contains(r.screen(), "signet serving")
}

func (r *runScript) exited() bool { return strings.Contains(r.output(), r.exitedMarker) }

func pidIn(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// waitGone waits until pid has exited.
func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); alive(pid); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) is still running", what, pid)
		}
	}
}

// tries reads the key device's PIN tries left from `signet status`.
func tries(t *testing.T, bin, sock string) string {
	t.Helper()
	out, err := exec.Command(bin, "status", "--socket", sock).CombinedOutput()
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "key device: ") {
			return l
		}
	}
	t.Fatalf("no key device line in:\n%s", out)
	return ""
}

func TestRunScriptOwnsItsSWTPM(t *testing.T) {
	t.Parallel()
	needRunTools(t)
	bin := testenv.BuildSignet(t)
	state := filepath.Join(t.TempDir(), "state")

	// A foreign listener where the old script looked for "its" swtpm.
	var contacted atomic.Int64
	if l, err := net.Listen("tcp", "127.0.0.1:2321"); err == nil {
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				contacted.Add(1)
				c.Close()
			}
		}()
	} else {
		t.Logf("127.0.0.1:2321 is taken by another process (%v); the test still checks the key never uses TCP", err)
	}

	// First run: a new key, the demo authority, one request.
	r := startRun(t, bin, state, "first")
	r.until("serving", r.serving)
	if r.prompts != 3 {
		t.Fatalf("the first run asked for the PIN %d times before serving, want 3 (choose, repeat, demo authority)", r.prompts)
	}
	uri, _ := os.ReadFile(statedir.Path(state, statedir.KeyURI))
	if !strings.Contains(string(uri), "device=unix://"+filepath.Join(state, "tpm", "tpm.sock")) {
		t.Fatalf("key.uri %q: the key must use the swtpm socket in the state dir", uri)
	}
	if !strings.Contains(r.output(), "PIN to sign with the TPM key ("+signer.DemoWhy+")") {
		t.Fatal("the demo authority's PIN prompt came without its reason")
	}
	c := exec.Command(bin, "sign", "--socket", r.sock, "nodekey:"+strings.Repeat("5a", 32))
	var out lockedBuffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	r.until("the review", func() bool { return strings.Contains(r.screen(), "Approval code:") })
	code := codeRE.FindStringSubmatch(r.screen())
	if code == nil {
		t.Fatalf("no approval code:\n%s", r.screen())
	}
	r.typeLine(code[1])
	r.until("the signature", func() bool { return strings.Contains(out.String(), "status: signed") })
	_ = c.Wait()
	if r.prompts != 4 || !strings.Contains(out.String(), "status: signed") {
		t.Fatalf("after one request: %d PIN prompts (want 4), client:\n%s", r.prompts, out.String())
	}
	before := tries(t, bin, r.sock)
	t.Logf("make run, first start: %d PIN prompts before serving, 1 per approved request; %s", 3, before)

	// Stopping the daemon stops the swtpm, after TPM2_Shutdown.
	swtpmPID := pidIn(t, filepath.Join(state, "tpm", "swtpm.pid"))
	if err := syscall.Kill(pidIn(t, statedir.Path(state, statedir.Lock)), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r.until("the end", r.exited)
	waitGone(t, swtpmPID, "the swtpm of a run that ended")
	if !strings.Contains(r.output(), "stopped the software TPM") || strings.Contains(r.output(), "TPM2_Shutdown failed") {
		t.Fatalf("the run's end:\n%s", r.screen())
	}

	// Second run on the same state: no PIN before serving, and the DA
	// counter did not count the stop (a swtpm killed after a PIN use
	// counts one failure at its next start).
	r = startRun(t, bin, state, "second")
	r.until("serving", r.serving)
	if r.prompts != 0 {
		t.Fatalf("a second start asked for the PIN %d times before serving", r.prompts)
	}
	if after := tries(t, bin, r.sock); after != before {
		t.Fatalf("PIN tries after a stop and start: %q, before %q", after, before)
	}
	// Another run on the same state is refused and leaves this one's
	// swtpm alone.
	swtpmPID = pidIn(t, filepath.Join(state, "tpm", "swtpm.pid"))
	r2 := startRun(t, bin, state, "concurrent")
	r2.until("the refusal", r2.exited)
	if !strings.Contains(r2.output(), "another signet serve uses") || !alive(swtpmPID) {
		t.Fatalf("a concurrent run:\n%s", r2.screen())
	}
	if got := tries(t, bin, r.sock); !strings.Contains(got, "present") {
		t.Fatalf("the first run's key after a concurrent run: %s", got)
	}

	// A run killed with -9 leaves its swtpm; the next run stops it (with
	// TPM2_Shutdown) and starts its own.
	servePID := pidIn(t, statedir.Path(state, statedir.Lock))
	script := parentOf(t, servePID)
	_ = syscall.Kill(script, syscall.SIGKILL)
	_ = syscall.Kill(servePID, syscall.SIGKILL)
	waitGone(t, servePID, "the killed daemon")
	if !alive(swtpmPID) {
		t.Fatal("the test needs the killed run's swtpm left behind")
	}
	r = startRun(t, bin, state, "third")
	r.until("serving", r.serving)
	waitGone(t, swtpmPID, "the swtpm a killed run left behind")
	if !strings.Contains(r.output(), fmt.Sprintf("stopping the software TPM (pid %d) that an earlier run left behind", swtpmPID)) {
		t.Fatalf("the third run does not say it stopped the leftover swtpm:\n%s", r.output())
	}
	if after := tries(t, bin, r.sock); after != before {
		t.Fatalf("PIN tries after the leftover swtpm was stopped: %q, before %q", after, before)
	}
	swtpmPID = pidIn(t, filepath.Join(state, "tpm", "swtpm.pid"))
	_ = syscall.Kill(pidIn(t, statedir.Path(state, statedir.Lock)), syscall.SIGTERM)
	r.until("the end", r.exited)
	waitGone(t, swtpmPID, "the swtpm of the last run")
	if n := contacted.Load(); n != 0 {
		t.Fatalf("make run connected %d times to the foreign listener on 127.0.0.1:2321", n)
	}
}

// parentOf returns pid's parent pid.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid ...
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return ppid
}
