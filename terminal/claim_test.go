package terminal

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/signetbox/signet/internal/ptytest"
	"golang.org/x/sys/unix"
)

// childEnv selects what the test binary does when a claim test starts it
// again: Claim changes the process's session, so it runs in a child.
const childEnv = "TERMINAL_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(claimChild(mode, os.Args[len(os.Args)-2:]))
	}
	os.Exit(m.Run())
}

// claimChild claims the terminals in paths (mode "claim": the first;
// "claim-two": both) and prints what happened, or runs itself again in
// mode "claim" inside its session (mode "spawn").
func claimChild(mode string, paths []string) int {
	if mode == "spawn" {
		cmd := exec.Command(os.Args[0], paths...)
		cmd.Env = append(os.Environ(), childEnv+"=claim")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Println("spawn:", err)
		}
		return 0
	}
	for i, path := range paths[:1+strings.Count(mode, "-two")] {
		t, err := Open(path, Options{})
		if err != nil {
			fmt.Println("open:", err)
			return 1
		}
		fmt.Printf("claim %d: %v\n", i, t.Claim())
		if i == 0 {
			fmt.Printf("again: %v\n", t.Claim())
			for _, r := range t.Claimed() {
				fmt.Printf("risk: %s / %s\n", r.What, r.Hint)
			}
		}
	}
	return 0
}

// runClaim runs the test binary in mode with attr, on the terminals a and
// b, and returns what it printed.
func runClaim(t *testing.T, mode string, attr *syscall.SysProcAttr, stdin *os.File, a, b string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", a, b)
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	cmd.SysProcAttr = attr
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the child failed: %v\n%s", err, out.String())
	}
	return out.String()
}

func TestClaim(t *testing.T) {
	_, s1 := ptytest.Open(t, 24, 80)
	_, s2 := ptytest.Open(t, 24, 80)
	for _, tc := range []struct {
		name, mode string
		attr       *syscall.SysProcAttr
		want       []string
	}{
		// A process with no terminal leads a new session and takes it;
		// asked again, it is already its own.
		{"fresh", "claim", &syscall.SysProcAttr{Setsid: true}, []string{"claim 0: <nil>", "again: <nil>"}},
		// A process group leader cannot start a session.
		{"group leader", "claim", &syscall.SysProcAttr{Setpgid: true}, []string{"claim 0: signet cannot start a session of its own to take the console " + s1.Name()}},
		// A session holds one terminal.
		{"second terminal", "claim-two", &syscall.SysProcAttr{Setsid: true}, []string{"claim 0: <nil>", "claim 1: signet cannot make " + s2.Name() + " its controlling terminal"}},
		// A terminal shared with the session that started the process.
		{"shared", "spawn", &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}, []string{
			"claim 0: the console " + s1.Name() + " is the terminal of session ",
			"risk: the console " + s1.Name() + " is the terminal of session ",
			"/ run signet serve from its systemd unit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := runClaim(t, tc.mode, tc.attr, s1, s1.Name(), s2.Name())
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestTIOCSTI(t *testing.T) {
	if _, err := os.Stat(tiocstiSysctl); err != nil && os.Getenv("CI") != "true" {
		t.Skipf("this kernel has no %s (before Linux 6.2): %v", tiocstiSysctl, err)
	}
	p := newPTY(t, 24, 80, Options{})
	b, err := os.ReadFile(tiocstiSysctl)
	if err != nil {
		t.Fatal(err)
	}
	v := strings.TrimSpace(string(b))
	if on, how := p.tty.TIOCSTIAllowed(); on != (v != "0") || how != "dev.tty.legacy_tiocsti="+v {
		t.Errorf("TIOCSTIAllowed() = %v, %q with the switch at %s", on, how, v)
	}
	for _, tc := range []struct {
		err  error
		on   bool
		says string
	}{
		{unix.EIO, false, "the kernel refuses TIOCSTI (EIO)"},
		{unix.EPERM, true, "the kernel accepts TIOCSTI (operation not permitted)"},
		{unix.EFAULT, true, "the kernel accepts TIOCSTI (bad address)"},
	} {
		if on, says := probeVerdict(tc.err); on != tc.on || says != tc.says {
			t.Errorf("probeVerdict(%v) = %v, %q; want %v, %q", tc.err, on, says, tc.on, tc.says)
		}
	}
	// The probe pushes nothing: EIO, EPERM or EFAULT, never success.
	if err := ProbeTIOCSTI(p.tty.fd); err == nil {
		t.Error("ProbeTIOCSTI pushed a key")
	}
	if hasCapSysAdmin() != (os.Geteuid() == 0) {
		t.Logf("CAP_SYS_ADMIN %v as uid %d", hasCapSysAdmin(), os.Geteuid())
	}
}
