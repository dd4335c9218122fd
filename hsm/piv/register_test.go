package piv

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
)

// touchPIN is a PIN prompt that also hears about touches.
type touchPIN struct {
	hsm.FixedPIN
	told int
}

func (t *touchPIN) Touch(string) { t.told++ }

func TestHSMOpen(t *testing.T) {
	card := testCard(t)
	ctx := context.Background()
	if _, err := Provision(ctx, ProvisionOptions{Prompt: freshPrompt()}); err != nil {
		t.Fatal(err)
	}
	pins := &touchPIN{FixedPIN: hsm.FixedPIN(testPIN)}
	k, err := hsm.Open(ctx, "piv:serial=12345678;slot=9c", pins)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	h := hashOf(7)
	sig, err := k.Sign(ctx, h)
	if err != nil || !ed25519consensus.Verify(k.PublicKey(), h[:], sig) {
		t.Fatalf("Sign: %v", err)
	}
	if pins.told != 1 {
		t.Errorf("touch notifier told %d times, want 1", pins.told)
	}
	st, err := k.Status(ctx)
	if err != nil || !st.Present || st.Lockout || st.Policy != "PIN once, touch always" {
		t.Errorf("Status = %+v, %v", st, err)
	}
	if _, err := k.Attest(ctx); !errors.Is(err, ErrAttestation) {
		t.Errorf("hsm.Open attests against Yubico's roots; the emulator must fail them: err = %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(card.CA())
	k.(HSMKey).opts.Roots = roots
	a, err := k.Attest(ctx)
	if err != nil || a.Facts["serial"] != "12345678" || a.Facts["touch-policy"] != "always" || len(a.Evidence) != 2 {
		t.Errorf("Attest = %+v, %v", a, err)
	}
	k.(HSMKey).opts.Prompt = hsm.FixedPIN("00000000")
	k.(HSMKey).Close() // drop the verified PIN: a new connection selects the applet again
	var wp *hsm.WrongPINError
	if _, err := k.Sign(ctx, h); !errors.As(err, &wp) || wp.TriesLeft != 2 || !errors.Is(err, hsm.ErrWrongPIN) {
		t.Errorf("wrong PIN through hsm: err = %v, want hsm.WrongPINError with 2 tries left", err)
	}
	k.Close() // piv-go opens cards exclusively: a held card is invisible
	if _, err := hsm.Open(ctx, "piv:serial=7;slot=9c", pins); !errors.Is(err, hsm.ErrNoDevice) || !errors.Is(err, ErrWrongSerial) {
		t.Errorf("wrong serial through hsm: err = %v, want hsm.ErrNoDevice and ErrWrongSerial", err)
	}
}
