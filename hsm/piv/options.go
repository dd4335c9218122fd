package piv

import (
	"crypto/ed25519"
	"crypto/x509"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
	"github.com/signetbox/signet/hsm"
)

// PINPrompt asks the operator for a secret (hsm.PINPrompt). why says which
// one and for what, e.g. "sign with YubiKey 12345678 (3 tries left)". This
// package wipes the returned slice after use, and calls Forget on a prompt
// that caches PINs (hsm.PINForgetter) when the card refused one.
type PINPrompt = hsm.PINPrompt

// TouchNotifier is an optional interface of the PIN prompt passed to
// hsm.Open: Touch is told when the card waits for a touch, with a line to
// show the operator.
type TouchNotifier interface {
	Touch(msg string)
}

// PINPolicy says when the card asks for the PIN before signing. The zero
// value is the default, [PINOnce].
type PINPolicy int

// PIN policies. Do NOT reorder.
const (
	pinDefault PINPolicy = iota
	PINOnce              // once per connection to the card
	PINAlways            // before every signature
)

// TouchPolicy says when the card waits for a touch before signing. The zero
// value is the default, [TouchAlways].
type TouchPolicy int

// Touch policies. Do NOT reorder.
const (
	touchDefault TouchPolicy = iota
	TouchAlways              // every signature
	TouchCached              // once per 15 seconds
	TouchNever               // no touch
)

// String names the policy as attestations and ykman do.
func (p PINPolicy) String() string {
	switch p {
	case pinDefault, PINOnce:
		return "once"
	case PINAlways:
		return "always"
	}
	return fmt.Sprintf("PINPolicy?<%d>", int(p))
}

// String names the policy as attestations and ykman do.
func (p TouchPolicy) String() string {
	switch p {
	case touchDefault, TouchAlways:
		return "always"
	case TouchCached:
		return "cached"
	case TouchNever:
		return "never"
	}
	return fmt.Sprintf("TouchPolicy?<%d>", int(p))
}

func (p PINPolicy) piv() (pivgo.PINPolicy, error) {
	switch p {
	case pinDefault, PINOnce:
		return pivgo.PINPolicyOnce, nil
	case PINAlways:
		return pivgo.PINPolicyAlways, nil
	}
	return 0, fmt.Errorf("piv: pin policy %d is not once or always", int(p))
}

func (p TouchPolicy) piv() (pivgo.TouchPolicy, error) {
	switch p {
	case touchDefault, TouchAlways:
		return pivgo.TouchPolicyAlways, nil
	case TouchCached:
		return pivgo.TouchPolicyCached, nil
	case TouchNever:
		return pivgo.TouchPolicyNever, nil
	}
	return 0, fmt.Errorf("piv: touch policy %d is not always, cached or never", int(p))
}

func pinPolicyName(p pivgo.PINPolicy) string {
	switch p {
	case pivgo.PINPolicyNever:
		return "never"
	case pivgo.PINPolicyOnce:
		return "once"
	case pivgo.PINPolicyAlways:
		return "always"
	}
	return fmt.Sprintf("PINPolicy?<%d>", int(p))
}

func touchPolicyName(p pivgo.TouchPolicy) string {
	switch p {
	case pivgo.TouchPolicyNever:
		return "never"
	case pivgo.TouchPolicyAlways:
		return "always"
	case pivgo.TouchPolicyCached:
		return "cached"
	}
	return fmt.Sprintf("TouchPolicy?<%d>", int(p))
}

// DefaultSlot is the PIV slot signet uses unless told otherwise: 9C,
// "digital signature".
const DefaultSlot = 0x9c

// Options says which key to open and how to talk to its operator.
type Options struct {
	// Serial is the YubiKey's serial number; required.
	Serial uint32
	// Slot is the PIV slot holding the key; zero means [DefaultSlot].
	Slot byte
	// PublicKey, if set, must match the key in the slot.
	PublicKey ed25519.PublicKey
	// Prompt asks for the PIN when the key's PIN policy needs it.
	Prompt PINPrompt
	// Touch, if set, is told when the card waits for a touch, with a line
	// to show the operator.
	Touch func(msg string)
	// Roots verify attestations; nil means Yubico's PIV roots, which
	// piv-go carries.
	Roots *x509.CertPool
}

func slotFor(key byte) (pivgo.Slot, error) {
	switch key {
	case 0, DefaultSlot:
		return pivgo.SlotSignature, nil
	case 0x9a:
		return pivgo.SlotAuthentication, nil
	case 0x9d:
		return pivgo.SlotKeyManagement, nil
	case 0x9e:
		return pivgo.SlotCardAuthentication, nil
	}
	if s, ok := pivgo.RetiredKeyManagementSlot(uint32(key)); ok {
		return s, nil
	}
	return pivgo.Slot{}, fmt.Errorf("piv: slot %02x is not a PIV key slot; use 9a, 9c, 9d, 9e or 82-95", key)
}
