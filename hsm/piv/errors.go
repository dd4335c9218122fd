package piv

import (
	"errors"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
	"github.com/signetbox/signet/hsm"
)

// Sentinel errors; wrapped errors add the serial and the next step. Those
// that share a meaning with the hsm package are its sentinels, or wrap them,
// so callers of hsm.Key can branch without importing this package.
var (
	// ErrNoDevice: the YubiKey is not inserted, or pcscd is not running.
	ErrNoDevice = hsm.ErrNoDevice
	// ErrWrongSerial: a YubiKey is inserted, but not the one asked for.
	ErrWrongSerial = fmt.Errorf("%w (another YubiKey is inserted)", hsm.ErrNoDevice)
	// ErrCardRemoved: the YubiKey went away in the middle of an operation.
	ErrCardRemoved = fmt.Errorf("%w (YubiKey removed)", hsm.ErrNoDevice)
	// ErrWrongPIN: the card refused the PIN; see [PINError].
	ErrWrongPIN = hsm.ErrWrongPIN
	// ErrWrongPUK: the card refused the PUK; see [PINError].
	ErrWrongPUK = errors.New("wrong PUK")
	// ErrPINBlocked: the PIN is blocked until the PUK unblocks it.
	ErrPINBlocked = fmt.Errorf("%w (PIN blocked)", hsm.ErrLockout)
	// ErrTouchTimeout: the card gave up waiting for a touch.
	ErrTouchTimeout = errors.New("YubiKey not touched in time")
	// ErrFirmware: the YubiKey is older than 5.7 and has no Ed25519.
	ErrFirmware = errors.New("YubiKey firmware cannot make Ed25519 keys")
	// ErrCanceled: the caller's context ended first.
	ErrCanceled = hsm.ErrCanceled
	// ErrBadSignature: the card returned a signature that does not verify.
	ErrBadSignature = hsm.ErrBadSignature
	// ErrAttestation: the attestation chain or its contents do not verify.
	ErrAttestation = errors.New("attestation does not verify")
	// ErrDefaults: a factory-default PIN or PUK was chosen.
	ErrDefaults = errors.New("factory-default credential")
)

// PINError is a wrong PIN or PUK with the tries left before it blocks.
type PINError struct {
	Serial uint32
	PUK    bool // the PUK, not the PIN, was wrong
	Left   int
}

// Error says how many tries are left.
func (e *PINError) Error() string {
	what := "PIN"
	if e.PUK {
		what = "PUK"
	}
	s := "tries"
	if e.Left == 1 {
		s = "try"
	}
	return fmt.Sprintf("wrong %s for YubiKey %d (%d %s left before it blocks); check it and try again", what, e.Serial, e.Left, s)
}

// Is matches ErrWrongPIN (hsm.ErrWrongPIN) or ErrWrongPUK.
func (e *PINError) Is(target error) bool {
	if e.PUK {
		return target == ErrWrongPUK
	}
	return target == ErrWrongPIN
}

// As fills an *hsm.WrongPINError for a wrong PIN.
func (e *PINError) As(target any) bool {
	if t, ok := target.(**hsm.WrongPINError); ok && !e.PUK {
		*t = &hsm.WrongPINError{TriesLeft: e.Left}
		return true
	}
	return false
}

// statusCoder is implemented by piv-go's APDU errors: the card answered
// with a status word. Errors without one failed in PC/SC, below the card.
type statusCoder interface{ Status() uint16 }

// Status words this package reacts to.
const (
	swSecurityStatus = 0x6982 // PIN not verified, or no touch before the timeout
	swAuthBlocked    = 0x6983
)

func cardStatus(err error) (uint16, bool) {
	var sc statusCoder
	if errors.As(err, &sc) {
		return sc.Status(), true
	}
	return 0, false
}

// authError turns a failed VERIFY, CHANGE REFERENCE or RESET RETRY COUNTER
// into a PINError or a blocked error; other errors come back unchanged.
func authError(serial uint32, puk bool, err error) error {
	var ae pivgo.AuthErr
	if !errors.As(err, &ae) {
		return err
	}
	if ae.Retries > 0 {
		return &PINError{Serial: serial, PUK: puk, Left: ae.Retries}
	}
	if puk {
		return fmt.Errorf("%w: the PUK of YubiKey %d is blocked too; only a PIV reset (which destroys the key) recovers the card", ErrPINBlocked, serial)
	}
	return blockedError(serial)
}

func blockedError(serial uint32) error {
	return fmt.Errorf("%w: unblock YubiKey %d with its PUK (`ykman piv access unblock-pin`), then try again", ErrPINBlocked, serial)
}

func removedError(serial uint32, err error) error {
	return fmt.Errorf("%w: lost YubiKey %d while signing (%v); reinsert it and sign again", ErrCardRemoved, serial, err)
}

func touchError(serial uint32) error {
	return fmt.Errorf("%w: YubiKey %d stopped waiting; sign again and touch the key while it blinks", ErrTouchTimeout, serial)
}

func canceled(serial uint32, err error) error {
	return fmt.Errorf("%w: signing with YubiKey %d stopped: %w", ErrCanceled, serial, err)
}
