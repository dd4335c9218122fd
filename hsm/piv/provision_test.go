package piv

import (
	"context"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

func TestProvisionReplacesDefaults(t *testing.T) {
	card := testCard(t)
	ctx := context.Background()
	p := freshPrompt()
	got, err := Provision(ctx, ProvisionOptions{Prompt: p})
	if err != nil {
		t.Fatal(err)
	}
	if got.Serial != testSerial || got.Slot != 0x9c || got.Firmware != "5.7.1" || len(got.PublicKey) != 32 {
		t.Errorf("Provision = %+v, want serial %d, slot 9c, firmware 5.7.1, a 32-byte key", got, testSerial)
	}
	if got.ManagementKey != nil {
		t.Errorf("management key returned although it was to be stored on the card")
	}
	if pin, puk, mgm := card.Defaults(); pin || puk || mgm {
		t.Errorf("defaults left after provisioning: pin %v, puk %v, management key %v", pin, puk, mgm)
	}
	if !card.HasObject(0x5fc109) {
		t.Errorf("management key not stored PIN-protected (object 5FC109 missing)")
	}
	k, err := Open(ctx, Options{Serial: testSerial, Prompt: &prompt{pin: testPIN}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if !k.PublicKey().Equal(got.PublicKey) {
		t.Errorf("Open found public key %x, Provision returned %x", k.PublicKey(), got.PublicKey)
	}
	if pinPolicyName(k.pin) != "once" || touchPolicyName(k.touch) != "always" {
		t.Errorf("policies = pin %v touch %v, want once, always", k.pin, k.touch)
	}
}

func TestProvisionRefuses(t *testing.T) {
	testCard(t)
	ctx := context.Background()
	p := freshPrompt()
	p.answers[WhyNewPIN] = "123456"
	if _, err := Provision(ctx, ProvisionOptions{Prompt: p}); !errors.Is(err, ErrDefaults) {
		t.Errorf("new PIN = default: err = %v, want ErrDefaults", err)
	}
	p = freshPrompt()
	p.answers[WhyNewPUK] = "12345678"
	if _, err := Provision(ctx, ProvisionOptions{Prompt: p}); !errors.Is(err, ErrDefaults) {
		t.Errorf("new PUK = default: err = %v, want ErrDefaults", err)
	}
	p = freshPrompt()
	p.answers[WhyCurrentPIN] = "654321"
	var pe *PINError
	if _, err := Provision(ctx, ProvisionOptions{Prompt: p}); !errors.As(err, &pe) || pe.Left != 2 {
		t.Errorf("wrong current PIN: err = %v, want a PINError with 2 tries left", err)
	}
}

func TestProvisionReturnsManagementKeyOnce(t *testing.T) {
	card := testCard(t)
	ctx := context.Background()
	first, err := Provision(ctx, ProvisionOptions{Prompt: freshPrompt(), ReturnManagementKey: true, TouchPolicy: TouchNever, PINPolicy: PINAlways})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.ManagementKey) != 24 || card.HasObject(0x5fc109) {
		t.Fatalf("management key: got %d bytes, stored on card %v; want 24 bytes, not stored", len(first.ManagementKey), card.HasObject(0x5fc109))
	}
	// Re-provisioning needs the returned key, typed as hex, and Overwrite.
	again := &prompt{answers: map[string]string{
		WhyCurrentPIN: testPIN, WhyNewPIN: "11223344",
		WhyCurrentPUK: testPUK, WhyNewPUK: "55667788",
		WhyManagementKey: hex.EncodeToString(first.ManagementKey),
	}}
	if _, err := Provision(ctx, ProvisionOptions{Prompt: again, ReturnManagementKey: true}); err == nil {
		t.Fatal("re-provisioning an occupied slot without Overwrite succeeded")
	}
	second, err := Provision(ctx, ProvisionOptions{Prompt: again, ReturnManagementKey: true, Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if second.PublicKey.Equal(first.PublicKey) {
		t.Error("Overwrite kept the old key")
	}
	k, err := Open(ctx, Options{Serial: testSerial, Prompt: &prompt{pin: "11223344"}})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	h := hashOf(1)
	sig, err := k.Sign(ctx, h)
	if err != nil || !ed25519consensus.Verify(second.PublicKey, h[:], sig) {
		t.Fatalf("Sign after re-provisioning: %v", err)
	}
}
