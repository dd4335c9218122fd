package tpm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/google/go-tpm/tpm2/transport/simulator"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/hsmtest"
	"github.com/signetbox/signet/hsm/tpm"
)

// openSimulator starts the in-process go-tpm-tools simulator (cgo). Only
// _test.go files import it, so it never reaches the signet binary. There
// is one simulator per process: tests using it must not run in parallel.
func openSimulator(tb testing.TB) transport.TPMCloser {
	tb.Helper()
	sim, err := simulator.OpenSimulator()
	if err != nil {
		tb.Fatalf("opening the TPM simulator: %v", err)
	}
	t := tpm.Retrying(sim)
	tb.Cleanup(func() { t.Close() })
	return t
}

func TestSimulatorProvisionSign(t *testing.T) {
	sim := openSimulator(t)
	path, secret := provision(t, sim)
	k, err := tpm.NewKey(context.Background(), sim, path, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	hsmtest.SignAndVerify(t, k, 1000)

	bad, _ := tpm.NewKey(context.Background(), sim, path, hsm.FixedPIN("1"))
	for range 3 {
		if _, err := bad.Sign(context.Background(), hsmtest.Hash(0)); !errors.Is(err, hsm.ErrWrongPIN) {
			t.Fatalf("wrong PIN: %v", err)
		}
	}
	if _, err := k.Sign(context.Background(), hsmtest.Hash(0)); !errors.Is(err, hsm.ErrLockout) {
		t.Fatalf("right PIN in lockout: %v", err)
	}
	if err := tpm.ResetLockout(context.Background(), sim, secret); err != nil {
		t.Fatal(err)
	}
	hsmtest.SignAndVerify(t, k, 1)
	extendPCR7(t, sim)
	if _, err := k.Sign(context.Background(), hsmtest.Hash(0)); !errors.Is(err, hsm.ErrPolicy) {
		t.Fatalf("sign after PCR 7 extend: %v", err)
	}
}

func BenchmarkSignSimulator(b *testing.B) {
	sim := openSimulator(b)
	path, _ := provision(b, sim)
	k, err := tpm.NewKey(context.Background(), sim, path, hsm.FixedPIN(testPIN))
	if err != nil {
		b.Fatal(err)
	}
	hsmtest.BenchSign(b, "sign-simulator", k)
}

func TestSimulatorCanceled(t *testing.T) {
	sim := openSimulator(t)
	path, _ := provision(t, sim)
	k, err := tpm.NewKey(context.Background(), sim, path, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := k.Sign(ctx, hsmtest.Hash(0)); !errors.Is(err, hsm.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("sign with a canceled context: %v", err)
	}
	if st, _ := k.Status(context.Background()); st.PINRetries != 3 {
		t.Errorf("a canceled sign counted as a PIN attempt: %+v", st)
	}
}
