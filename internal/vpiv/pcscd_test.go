package vpiv

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestProcessesNamedFindsEach starts two processes under one command name
// (a copy of sleep) and checks that both are found, which is how
// EnsurePCSCD notices a second pcscd that would take the virtual reader's
// socket. The name is not pcscd, so PIV tests running beside this one
// never see these processes.
func TestProcessesNamedFindsEach(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("no sleep binary: %v", err)
	}
	b, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	const name = "vpiv-twin-test"
	exe := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := processesNamed(name); len(got) != 0 {
		t.Fatalf("found %v before starting any", got)
	}
	var want []int
	for range 2 {
		cmd := exec.Command(exe, "30")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		want = append(want, cmd.Process.Pid)
	}
	got := processesNamed(name)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("processesNamed(%q) = %v, want %v", name, got, want)
	}
}
