package hsm

import (
	"context"
	"time"

	"github.com/signetbox/signet/tka"
)

// Key is a Tailnet Lock signing key held by a backend.
//
// Sign (from [tka.Signer]) is one unlock for one signature: it asks for the
// PIN if the key needs one, signs, and locks the key again. It verifies
// every signature against PublicKey before returning it and fails with
// [ErrBadSignature] otherwise. It fails with errors wrapping
// [ErrWrongPIN], [ErrLockout], [ErrPolicy], [ErrNoDevice] or [ErrCanceled]
// as the case may be; no error text carries a PIN or key bytes. To sign
// several digests after one PIN, use Unlock.
type Key interface {
	tka.Signer

	// Attest reports what the backend can prove about where the key lives.
	// It needs no PIN.
	Attest(ctx context.Context) (Attestation, error)

	// Status reports the device's state (presence, PIN retries, lockout).
	// It needs no PIN and never counts as a PIN attempt.
	Status(ctx context.Context) (Status, error)

	// Unlock asks for the PIN once, if the key needs one, and returns a
	// [Session] that signs any number of digests without asking again.
	// why says what the PIN is for ("request b1: 25 signatures") and is
	// shown with the question. Unlock fails like Sign does (wrapping
	// [ErrWrongPIN], [ErrLockout], [ErrPolicy], [ErrNoDevice],
	// [ErrCanceled]); a wrong PIN has cost one try and nothing is unlocked.
	//
	// A session belongs to one approved decision: the caller closes it
	// when that decision's signatures are made, whatever happened, and
	// never reuses it for another.
	Unlock(ctx context.Context, why string) (Session, error)

	// Close releases the device and wipes any key material held in memory.
	Close() error
}

// Attestation says what a backend can prove about a key.
type Attestation struct {
	// Backend is the URI scheme of the backend: "tpm", "piv" or "soft".
	Backend string
	// Hardware is true when the private key cannot leave a device.
	Hardware bool
	// Summary is one human-readable line, e.g. "software key, no attestation".
	Summary string
	// Facts are named values the backend can state, e.g. "srk-name",
	// "manufacturer", "pcr-policy". Keys are lowercase with dashes.
	Facts map[string]string
	// Evidence is raw backend evidence (a TPM public area, PIV attestation
	// certificates in DER), or nil when there is none.
	Evidence [][]byte
}

// Status is a device's state as far as the backend can read it.
type Status struct {
	// Present is true when the device answered.
	Present bool
	// PINRetries is the number of wrong PINs left before lockout, or -1 when
	// unknown.
	PINRetries int
	// MaxTries is the number of wrong PINs that lock the device, or -1.
	MaxTries int
	// Lockout is true when the device refuses every PIN until recovery.
	Lockout bool
	// Recovery is how long until the device forgives one more failure (TPM),
	// or 0 when unknown or not applicable.
	Recovery time.Duration
	// Policy is a one-line description of what unlocks the key, e.g.
	// "PCR sha256:7 and PIN".
	Policy string
	// LockoutAuthSet reports whether the TPM's lockout hierarchy has a
	// secret (TPM only; without it anyone can reset the PIN counter).
	LockoutAuthSet bool
}
