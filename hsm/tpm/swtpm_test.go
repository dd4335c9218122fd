package tpm_test

import (
	"os/exec"
	"testing"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
)

// swtpmT is a software TPM started by a test in its own state directory.
type swtpmT struct {
	t testing.TB
	*swtpm.Instance
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		testenv.SkipOrFail(t, "%s is not installed (run scripts/deps.sh)", name)
	}
}

// startSWTPM starts swtpm over TCP (or a unix socket) with a new state
// directory. Cleanup sends TPM2_Shutdown, then stops it.
func startSWTPM(t testing.TB, unix bool) *swtpmT {
	t.Helper()
	testenv.SkipShort(t, "a software TPM (swtpm)")
	needTool(t, "swtpm")
	start := swtpm.Start
	if unix {
		start = swtpm.StartUnix
	}
	inst, err := start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Stop)
	return &swtpmT{t: t, Instance: inst}
}

// restart stops swtpm and starts it again on the same state directory.
func (s *swtpmT) restart() {
	s.t.Helper()
	if err := s.Restart(); err != nil {
		s.t.Fatal(err)
	}
}

// stop stops swtpm (a test that checks what happens when the TPM goes).
func (s *swtpmT) stop() { s.Stop() }

// open connects to swtpm and closes the connection at cleanup.
func (s *swtpmT) open() transport.TPMCloser {
	s.t.Helper()
	t, err := tpm.OpenDevice(s.Device)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { t.Close() })
	return t
}

// provisionClosed provisions on a connection of its own and closes it, so
// the test can open the key on another connection.
func (s *swtpmT) provisionClosed() (string, []byte) {
	s.t.Helper()
	t, err := tpm.OpenDevice(s.Device)
	if err != nil {
		s.t.Fatal(err)
	}
	defer t.Close()
	return provision(s.t, t)
}
