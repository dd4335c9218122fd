package piv

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
)

func TestChangePIN(t *testing.T) {
	testCard(t)
	ctx := context.Background()
	if _, err := Provision(ctx, ProvisionOptions{Prompt: freshPrompt()}); err != nil {
		t.Fatal(err)
	}
	// A wrong current PIN: refused, and the error says the tries left.
	bad := &prompt{answers: map[string]string{WhyCurrentPIN: "11111111", WhyNewPIN: "97531864"}}
	err := ChangePIN(ctx, testSerial, bad)
	if !errors.Is(err, hsm.ErrWrongPIN) || !strings.Contains(err.Error(), "2 tries left") {
		t.Fatalf("wrong current PIN: err = %v, want a wrong-PIN error with 2 tries left", err)
	}
	// The factory default is refused as the new PIN.
	def := &prompt{answers: map[string]string{WhyCurrentPIN: testPIN, WhyNewPIN: "123456"}}
	if err := ChangePIN(ctx, testSerial, def); err == nil {
		t.Fatal("changing the PIN to the factory default succeeded")
	}
	good := &prompt{answers: map[string]string{WhyCurrentPIN: testPIN, WhyNewPIN: "97531864"}}
	if err := ChangePIN(ctx, testSerial, good); err != nil {
		t.Fatal(err)
	}
	k, err := Open(ctx, Options{Serial: testSerial, Prompt: &prompt{pin: "97531864"}, Touch: func(string) {}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	h := hashOf(7)
	sig, err := k.Sign(ctx, h)
	if err != nil || !ed25519consensus.Verify(k.PublicKey(), h[:], sig) {
		t.Fatalf("signing with the new PIN: %v", err)
	}
}
