package piv

import (
	"context"
	"fmt"

	"github.com/signetbox/signet/hsm"
)

func init() {
	hsm.Register("piv", openURI)
}

// openURI opens a piv: key URI for hsm.Open. The attestation roots are
// Yubico's; a pins that implements [TouchNotifier] hears about touches.
func openURI(ctx context.Context, u hsm.URI, pins hsm.PINPrompt) (hsm.Key, error) {
	o := Options{Serial: u.Serial, Slot: u.Slot, Prompt: pins}
	if t, ok := pins.(TouchNotifier); ok {
		o.Touch = t.Touch
	}
	if o.Serial == 0 {
		serial, err := onlySerial()
		if err != nil {
			return nil, err
		}
		o.Serial = serial
	}
	k, err := Open(ctx, o)
	if err != nil {
		return nil, err
	}
	return HSMKey{k}, nil
}

// onlySerial returns the serial of the only YubiKey inserted, for URIs
// without one.
func onlySerial() (uint32, error) {
	c, err := openCard(0)
	if err != nil {
		return 0, err
	}
	defer c.close()
	return c.serial, nil
}

// HSMKey adapts a [Key] to hsm.Key.
type HSMKey struct{ *Key }

// Attest returns the verified attestation as hsm facts, with the slot and
// device certificates (DER) as evidence.
func (h HSMKey) Attest(ctx context.Context) (hsm.Attestation, error) {
	a, err := h.Key.Attest(ctx)
	if err != nil {
		return hsm.Attestation{}, err
	}
	return hsm.Attestation{
		Backend:  "piv",
		Hardware: true,
		Summary: fmt.Sprintf("Ed25519 key generated on YubiKey %d (firmware %s), slot %s, PIN %s, touch %s, attested",
			a.Serial, a.Firmware, a.Slot, a.PINPolicy, a.TouchPolicy),
		Facts: map[string]string{
			"serial":       fmt.Sprint(a.Serial),
			"firmware":     a.Firmware,
			"slot":         a.Slot,
			"pin-policy":   a.PINPolicy,
			"touch-policy": a.TouchPolicy,
			"form-factor":  a.FormFactor,
		},
		Evidence: [][]byte{a.SlotCert, a.DeviceCert},
	}, nil
}

// Status maps the card's state to hsm.Status. PINRetries is -1 while the
// PIN is verified (the card then does not say; the counter is full).
func (h HSMKey) Status(ctx context.Context) (hsm.Status, error) {
	s, err := h.Key.Status(ctx)
	if err != nil {
		return hsm.Status{}, err
	}
	out := hsm.Status{Present: s.Present, PINRetries: s.PINRetries, MaxTries: -1, Lockout: s.Blocked}
	if s.PINVerified || !s.Present {
		out.PINRetries = -1
	}
	if s.Present {
		out.Policy = fmt.Sprintf("PIN %s, touch %s", pinPolicyName(h.pin), touchPolicyName(h.touch))
	}
	return out, nil
}
