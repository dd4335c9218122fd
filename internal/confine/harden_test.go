package confine

import (
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNoCoreDumps(t *testing.T) {
	if err := NoCoreDumps(); err != nil {
		t.Fatal(err)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil || lim.Cur != 0 || lim.Max != 0 {
		t.Errorf("RLIMIT_CORE is %+v (%v), want 0 and 0", lim, err)
	}
	if d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0); err != nil || d != 0 {
		t.Errorf("PR_GET_DUMPABLE is %d (%v), want 0", d, err)
	}
	// A child cannot raise the hard limit again.
	out, err := exec.Command("sh", "-c", "ulimit -c unlimited 2>&1; ulimit -H -c").CombinedOutput()
	if err != nil && len(out) == 0 {
		t.Fatal(err)
	}
	if lines := strings.Fields(string(out)); len(lines) == 0 || lines[len(lines)-1] != "0" {
		t.Errorf("a child's hard core limit: %q, want 0", out)
	}
}
