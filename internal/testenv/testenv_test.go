package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(M(m).Run()) }

// recorder is a testing.TB that records how a helper first ended the
// test (a real one stops the test there).
type recorder struct {
	testing.TB
	ended string // "fatal" or "skip"
	msg   string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Fatalf(f string, a ...any) { r.end("fatal", f, a) }
func (r *recorder) Skipf(f string, a ...any)  { r.end("skip", f, a) }

func (r *recorder) end(how, f string, a []any) {
	if r.ended == "" {
		r.ended, r.msg = how, fmt.Sprintf(f, a...)
	}
}

func TestSkipOrFail(t *testing.T) {
	for _, ci := range []string{"true", "", "false"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			r := &recorder{TB: t}
			SkipOrFail(r, "tool %s is missing", "x")
			want := "skip"
			if ci == "true" {
				want = "fatal"
			}
			if r.ended != want || !strings.HasPrefix(r.msg, "tool x is missing") {
				t.Errorf("ended %s with %q, want %s with the reason", r.ended, r.msg, want)
			}
		})
	}
}

func TestLookPath(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	if p := LookPath(r, "sh"); r.ended != "" || p == "" {
		t.Errorf("LookPath(sh) = %q, ended %s %q", p, r.ended, r.msg)
	}
	LookPath(r, "signet-no-such-program")
	if r.ended != "fatal" || !strings.Contains(r.msg, "signet-no-such-program is not installed") {
		t.Errorf("a missing program in CI ended %s with %q, want a failure naming it", r.ended, r.msg)
	}
}

func TestSkipShort(t *testing.T) {
	r := &recorder{TB: t}
	SkipShort(r, "a long loop")
	if testing.Short() != (r.ended == "skip") {
		t.Errorf("-short is %v but SkipShort ended %q", testing.Short(), r.ended)
	}
	if testing.Short() && r.msg != "-short: skipping a long loop (make test runs it)" {
		t.Errorf("the skip says %q", r.msg)
	}
}

// TestBuild builds a small command of the module twice: the second call
// returns the first binary without building again.
func TestBuild(t *testing.T) {
	SkipShort(t, "building a binary")
	bin := Build(t, "internal/ttyinject")
	if out, err := exec.Command(bin).CombinedOutput(); err == nil || len(out) == 0 {
		t.Errorf("ttyinject without arguments: %v %q, want a usage error", err, out)
	}
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if again := Build(t, "internal/ttyinject"); again != bin {
		t.Errorf("second Build gave %s, want %s", again, bin)
	}
	if st2, err := os.Stat(bin); err != nil || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("the second Build made the binary again: %v", err)
	}
	r := &recorder{TB: t}
	Build(r, "internal/no-such-command")
	if r.ended != "fatal" || !strings.Contains(r.msg, "building internal/no-such-command") {
		t.Errorf("a failed build ended %s with %q", r.ended, r.msg)
	}
}

// TestRemoveStaleBuilds leaves a live process's binaries and removes a
// dead one's, as a test binary killed by a timeout leaves them.
func TestRemoveStaleBuilds(t *testing.T) {
	tmp := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(tmp, fmt.Sprintf("%s%d-1", buildDirPrefix, os.Getpid()))
	gone := filepath.Join(tmp, fmt.Sprintf("%s%d-2", buildDirPrefix, dead.Process.Pid))
	other := filepath.Join(tmp, buildDirPrefix+"old-style")
	for _, d := range []string{live, gone, other} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	removeStaleBuilds(tmp)
	for d, want := range map[string]bool{live: true, gone: false, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", filepath.Base(d), err == nil, want)
		}
	}
}

// TestTmuxSession starts a session, checks its name carries this
// process's pid, and checks that a session a dead process left is killed
// by the sweep while this process's own is kept.
func TestTmuxSession(t *testing.T) {
	SkipShort(t, "a tmux session")
	if _, err := exec.LookPath("tmux"); err != nil {
		SkipOrFail(t, "tmux is not installed: %v", err)
	}
	name := TmuxSession(t, 80, 24, "sleep 60")
	if tmuxSessionOwner(name) != os.Getpid() {
		t.Fatalf("session %q does not name this process", name)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("%s%d-1", tmuxPrefix, dead.Process.Pid)
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", stale, "sleep 60").CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", stale).Run() })
	killStaleTmuxSessions()
	if exec.Command("tmux", "has-session", "-t", stale).Run() == nil {
		t.Errorf("the dead process's session %s was not killed", stale)
	}
	if err := exec.Command("tmux", "has-session", "-t", name).Run(); err != nil {
		t.Errorf("this process's session %s was killed: %v", name, err)
	}
	for _, n := range []string{"other", tmuxPrefix + "x-1", tmuxPrefix + "12"} {
		if tmuxSessionOwner(n) != 0 {
			t.Errorf("tmuxSessionOwner(%q) names a pid", n)
		}
	}
}
