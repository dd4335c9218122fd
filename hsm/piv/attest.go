package piv

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
)

// Attestation is what a verified YubiKey attestation proves about the key.
type Attestation struct {
	Serial      uint32 // serial number of the YubiKey that made the key
	Firmware    string // its firmware, e.g. "5.7.1"
	Slot        string // the slot, e.g. "9c"
	PINPolicy   string // "never", "once" or "always"
	TouchPolicy string // "never", "always" or "cached"
	FormFactor  string // e.g. "USB-C Keychain"
	// SlotCert is the DER certificate for the slot key, signed by the
	// device attestation key; DeviceCert is the DER certificate of that
	// device key, signed by the roots.
	SlotCert, DeviceCert []byte
}

// Attest reads the slot's attestation certificate and the device
// attestation certificate and verifies the chain to opts.Roots (Yubico's PIV
// roots when nil). It fails unless the attested key is this key, on the
// card with this serial.
func (k *Key) Attest(ctx context.Context) (Attestation, error) {
	if err := k.acquire(ctx); err != nil {
		return Attestation{}, err
	}
	defer k.release()
	if err := k.connect(); err != nil {
		return Attestation{}, err
	}
	slotCert, err := k.c.yk.Attest(k.slot)
	if err != nil {
		return Attestation{}, fmt.Errorf("piv: YubiKey %d cannot attest slot %s (an imported key cannot be attested): %w", k.opts.Serial, k.slot, err)
	}
	devCert, err := k.c.yk.AttestationCertificate()
	if err != nil {
		return Attestation{}, fmt.Errorf("piv: reading the attestation certificate of YubiKey %d: %w", k.opts.Serial, err)
	}
	v := pivgo.Verifier{Roots: k.opts.Roots}
	a, err := v.Verify(devCert, slotCert)
	if err != nil {
		return Attestation{}, fmt.Errorf("%w: YubiKey %d, slot %s: %v; the key may not come from a genuine YubiKey", ErrAttestation, k.opts.Serial, k.slot, err)
	}
	pub, ok := slotCert.PublicKey.(ed25519.PublicKey)
	if !ok || subtle.ConstantTimeCompare(pub, k.pub) != 1 {
		return Attestation{}, fmt.Errorf("%w: the attested key of YubiKey %d is not the key in slot %s", ErrAttestation, k.opts.Serial, k.slot)
	}
	if a.Serial != k.opts.Serial {
		return Attestation{}, fmt.Errorf("%w: attestation names serial %d, want %d", ErrAttestation, a.Serial, k.opts.Serial)
	}
	return Attestation{
		Serial:      a.Serial,
		Firmware:    fmt.Sprintf("%d.%d.%d", a.Version.Major, a.Version.Minor, a.Version.Patch),
		Slot:        k.slot.String(),
		PINPolicy:   pinPolicyName(a.PINPolicy),
		TouchPolicy: touchPolicyName(a.TouchPolicy),
		FormFactor:  a.Formfactor.String(),
		SlotCert:    slotCert.Raw,
		DeviceCert:  devCert.Raw,
	}, nil
}
