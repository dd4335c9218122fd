package tpm_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/tpm"
)

// TestDeadlineWhileAnotherHoldsTheTPM: swtpm serves one connection at a
// time and leaves a second one unanswered. A short read with a deadline
// (signet key show next to a running daemon) fails with ErrNoDevice and
// says why, instead of waiting for the first connection to go.
func TestDeadlineWhileAnotherHoldsTheTPM(t *testing.T) {
	sw := startSWTPM(t, false)
	holder := sw.open()
	if _, err := tpm.ReadStatus(holder); err != nil {
		t.Fatalf("the first connection: %v", err)
	}
	second, err := tpm.OpenDeviceDeadline(sw.Device, time.Now().Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	_, err = tpm2.GetCapability{Capability: tpm2.TPMCapTPMProperties, Property: uint32(tpm2.TPMPTPermanent), PropertyCount: 1}.Execute(second)
	if !errors.Is(err, hsm.ErrNoDevice) || !strings.Contains(err.Error(), "did not answer in time; another process (such as signet serve) may be using it") {
		t.Fatalf("a command on a TPM another connection holds: %v; want ErrNoDevice that says why", err)
	}
	// The same device answers once the first connection is gone.
	holder.Close()
	free, err := tpm.OpenDeviceDeadline(sw.Device, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer free.Close()
	if _, err := tpm.ReadStatus(free); err != nil {
		t.Fatalf("the TPM once free: %v", err)
	}
}
