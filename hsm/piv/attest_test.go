package piv

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAttest(t *testing.T) {
	card := testCard(t)
	k := provision(t, ProvisionOptions{PINPolicy: PINAlways, TouchPolicy: TouchCached}, &prompt{})
	ctx := context.Background()

	// The emulator's chain must not pass as Yubico's.
	k.opts.Roots = nil
	if _, err := k.Attest(ctx); !errors.Is(err, ErrAttestation) {
		t.Fatalf("emulator chain against Yubico's roots: err = %v, want ErrAttestation", err)
	}

	roots := x509.NewCertPool()
	roots.AddCert(card.CA())
	k.opts.Roots = roots
	a, err := k.Attest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Attestation{Serial: testSerial, Firmware: "5.7.1", Slot: "9c", PINPolicy: "always", TouchPolicy: "cached", FormFactor: "USB-C Keychain"}
	if len(a.SlotCert) == 0 || len(a.DeviceCert) == 0 {
		t.Error("Attest returned no certificates")
	}
	if diff := cmp.Diff(want, a, cmpopts.IgnoreFields(Attestation{}, "SlotCert", "DeviceCert")); diff != "" {
		t.Errorf("Attest (-want, +got):\n%s", diff)
	}
}
