package ceremony

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/google/go-tpm/tpm2/transport/simulator"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/statedir"
)

// tpmPIN is the PIN of the simulator's keys.
const tpmPIN = "20242024"

// openSim starts the in-process go-tpm-tools simulator (cgo; one per
// process, so the tests that use it do not run in parallel).
func openSim(t *testing.T) transport.TPM {
	t.Helper()
	sim, err := simulator.OpenSimulator()
	if err != nil {
		t.Fatalf("opening the TPM simulator: %v", err)
	}
	r := tpm.Retrying(sim)
	t.Cleanup(func() { r.Close() })
	return r
}

// simKey seals a new key to the simulator, allowing maxTries wrong PINs,
// and returns it with an Open that opens it on the simulator.
func simKey(t *testing.T, sim transport.TPM, dir string, maxTries uint32) (*BoxKey, func(context.Context, string, hsm.PINPrompt) (hsm.Key, error)) {
	t.Helper()
	path := statedir.Path(dir, statedir.TPMKey)
	p, err := tpm.Provision(context.Background(), sim, tpm.ProvisionOptions{Path: path, PIN: []byte(tpmPIN), MaxTries: maxTries})
	if err != nil {
		t.Fatal(err)
	}
	hsm.Wipe(p.LockoutSecret)
	open := func(ctx context.Context, _ string, pins hsm.PINPrompt) (hsm.Key, error) {
		return tpm.NewKey(ctx, sim, path, pins)
	}
	return &BoxKey{URI: hsm.URI{Scheme: "tpm", Path: path, Device: "simulator"}, Public: p.Key.PublicKey}, open
}

// TestAskPIN asks on the terminal until the key is unlocked, refuses an
// empty line without reaching the device, and never asks once sealed.
func TestAskPIN(t *testing.T) {
	ctx := context.Background()
	term := newTerm("", "1234", "5678")
	p := &askPIN{t: term, prompt: "PIN: "}
	if _, err := p.PIN(ctx, "x"); !errors.Is(err, errNoPIN) {
		t.Fatalf("empty line: %v", err)
	}
	for _, want := range []string{"1234", "5678"} {
		if pin, err := p.PIN(ctx, "x"); err != nil || string(pin) != want {
			t.Fatalf("PIN = %q, %v; want %s", pin, err, want)
		}
	}
	p.seal()
	if _, err := p.PIN(ctx, "x"); !errors.Is(err, errAskedAgain) || len(term.prompts) != 3 {
		t.Fatalf("sealed: %v after %d prompts", err, len(term.prompts))
	}
	p.Touch("touch YubiKey 1 now to sign")
	if !strings.HasSuffix(term.out.String(), "touch YubiKey 1 now to sign\n") {
		t.Errorf("Touch: %q", term.out.String())
	}
	if _, err := (&askPIN{t: newTerm()}).PIN(ctx, "x"); err == nil {
		t.Error("a closed terminal gave a PIN")
	}
	if unlockWhy(true) != "the ceremony's genesis and transcript" || unlockWhy(false) != "the ceremony's transcript" {
		t.Error("unlockWhy")
	}
}

// TestUnlockOnTPM unlocks a key sealed to the simulator: a wrong PIN
// costs one try; the right one unlocks, and the session signs without
// asking. checkTries refuses to ask with one try left, and in lockout.
func TestUnlockOnTPM(t *testing.T) {
	ctx := context.Background()
	sim := openSim(t)
	box, open := simKey(t, sim, t.TempDir(), 3)
	term := newTerm("1111", tpmPIN)
	pins := &askPIN{t: term, prompt: "PIN: "}
	k, err := open(ctx, "", pins)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if left, err := checkTries(ctx, k); err != nil || left != 3 {
		t.Fatalf("checkTries = %d, %v", left, err)
	}
	if _, err := k.Unlock(ctx, "test"); !errors.Is(err, hsm.ErrWrongPIN) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if left, err := checkTries(ctx, k); err != nil || left != 2 {
		t.Fatalf("checkTries after a wrong PIN = %d, %v", left, err)
	}
	s, err := k.Unlock(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	pins.seal()
	for i := range 3 {
		if _, err := s.Sign(ctx, sha256.Sum256([]byte{byte(i)})); err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
	}
	if len(term.prompts) != 2 || !s.PublicKey().Equal(box.Public) {
		t.Fatalf("%d prompts, want 2", len(term.prompts))
	}
	s.Close()
	if _, err := s.Sign(ctx, sha256.Sum256(nil)); !errors.Is(err, hsm.ErrSessionClosed) {
		t.Fatalf("sign after the session closed: %v", err)
	}

	wrong, err := open(ctx, "", hsm.FixedPIN("1"))
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	wrong.Sign(ctx, sha256.Sum256(nil))
	_, err = checkTries(ctx, k)
	if err == nil || err.Error() != "the key's device has 1 PIN try left, and the ceremony never spends the last one; nothing was shown or written" {
		t.Fatalf("one try left: %v", err)
	}
	var h interface{ Hints() []string }
	if !errors.As(err, &h) || len(h.Hints()) != 1 {
		t.Fatalf("no hint: %v", err)
	}
	wrong.Sign(ctx, sha256.Sum256(nil))
	if _, err := checkTries(ctx, k); err == nil || err.Error() != "the key's device is locked out after too many wrong PINs; nothing was shown or written" {
		t.Fatalf("lockout: %v", err)
	}
	k.Close()
	if _, err := checkTries(ctx, k); err == nil || !strings.HasPrefix(err.Error(), "reading the key's PIN retry counter: ") {
		t.Fatalf("closed key: %v", err)
	}
}

// TestNouns names what unlocks each backend.
func TestNouns(t *testing.T) {
	for _, tt := range []struct{ scheme, noun, by string }{
		{"tpm", "TPM PIN", "by the TPM"}, {"piv", "YubiKey PIN", "by the YubiKey"},
		{"soft", "passphrase", "by decrypting the key file"}, {"other", "PIN", "by the device"},
	} {
		if pinNoun(tt.scheme) != tt.noun || checkedBy(tt.scheme) != tt.by {
			t.Errorf("%s: %q, %q", tt.scheme, pinNoun(tt.scheme), checkedBy(tt.scheme))
		}
	}
	if upperFirst("passphrase") != "Passphrase" || upperFirst("TPM") != "TPM" || upperFirst("") != "" {
		t.Error("upperFirst")
	}
}
