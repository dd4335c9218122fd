package tpm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-tpm/tpm2/transport/simulator"
	"github.com/signetbox/signet/hsm"
)

// TestNoSecretsInErrors runs provision, wrong PINs, lockout, a wrong
// lockout secret, reset and signing, and checks that no error or reported
// value carries the PIN, the seed or the lockout secret, raw or encoded.
func TestNoSecretsInErrors(t *testing.T) {
	sim, err := simulator.OpenSimulator()
	if err != nil {
		t.Fatal(err)
	}
	tp := Retrying(sim)
	defer tp.Close()
	ctx := context.Background()
	pin := []byte("secret-pin-5831")
	path := filepath.Join(t.TempDir(), "key.tpm")

	var out bytes.Buffer
	logf := func(format string, args ...any) { fmt.Fprintf(&out, format+"\n", args...) }
	p, err := Provision(ctx, tp, ProvisionOptions{Path: path, PIN: bytes.Clone(pin), MaxTries: 2})
	if err != nil {
		t.Fatal(err)
	}
	lockout := bytes.Clone(p.LockoutSecret)
	s, _ := findSRK(tp, false)
	seed, err := unseal(tp, s, p.Key, pin)
	if err != nil {
		t.Fatal(err)
	}

	bad, _ := NewKey(ctx, tp, path, hsm.FixedPIN(append(bytes.Clone(pin), '0')))
	good, _ := NewKey(ctx, tp, path, hsm.FixedPIN(pin))
	for range 3 {
		_, err := bad.Sign(ctx, [32]byte{})
		logf("wrong PIN: %v / %+v / %#v", err, err, err)
	}
	_, err = good.Sign(ctx, [32]byte{})
	logf("lockout: %v / %#v", err, err)
	logf("reset wrong: %v", ResetLockout(ctx, tp, append(bytes.Clone(lockout), 1)))
	logf("change-pin wrong: %v", ChangePIN(ctx, tp, path, []byte("x"), pin))
	st, err := good.Status(ctx)
	logf("status: %+v %v", st, err)
	att, err := good.Attest(ctx)
	logf("attest: %+v %v", att, err)
	_, err = Provision(ctx, tp, ProvisionOptions{Path: path + "2", PIN: pin, CurrentLockoutSecret: append(bytes.Clone(lockout), 1)})
	logf("provision wrong lockout: %v", err)
	t.Log(out.String())

	text := out.String()
	for name, secret := range map[string][]byte{"PIN": pin, "seed": seed, "lockout secret": lockout} {
		for _, form := range []string{string(secret), hex.EncodeToString(secret), strings.ToUpper(hex.EncodeToString(secret)),
			base64.StdEncoding.EncodeToString(secret), fmt.Sprint(secret), fmt.Sprintf("%#v", secret)} {
			if strings.Contains(text, form) {
				t.Errorf("the %s appears in errors or output as %q", name, form)
			}
		}
	}
}
