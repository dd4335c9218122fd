package piv

import (
	"errors"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
)

// Sentinel errors; wrapped errors add the serial and the next step.
var (
	ErrNoDevice     = errors.New("piv: no YubiKey found")
	ErrWrongSerial  = errors.New("piv: a YubiKey with another serial is inserted")
	ErrCardRemoved  = errors.New("piv: YubiKey removed")
	ErrWrongPIN     = errors.New("piv: wrong PIN")
	ErrWrongPUK     = errors.New("piv: wrong PUK")
	ErrPINBlocked   = errors.New("piv: PIN blocked")
	ErrTouchTimeout = errors.New("piv: YubiKey not touched in time")
	ErrFirmware     = errors.New("piv: YubiKey firmware cannot make Ed25519 keys")
	ErrCanceled     = errors.New("piv: canceled")
	ErrBadSignature = errors.New("piv: YubiKey returned a signature that does not verify")
	ErrAttestation  = errors.New("piv: attestation does not verify")
	ErrDefaults     = errors.New("piv: default credential in use")
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

// Is matches ErrWrongPIN or ErrWrongPUK.
func (e *PINError) Is(target error) bool {
	if e.PUK {
		return target == ErrWrongPUK
	}
	return target == ErrWrongPIN
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
	return fmt.Errorf("%w: YubiKey %d blocked its PIN after too many wrong tries; unblock it with the PUK (`ykman piv access unblock-pin`), then try again", ErrPINBlocked, serial)
}

func removedError(serial uint32, err error) error {
	return fmt.Errorf("%w: lost YubiKey %d while signing (%v); reinsert it and sign again", ErrCardRemoved, serial, err)
}

func touchError(serial uint32) error {
	return fmt.Errorf("%w: YubiKey %d gave up waiting for a touch; sign again and touch the key while it blinks", ErrTouchTimeout, serial)
}

func canceled(serial uint32, err error) error {
	return fmt.Errorf("%w: signing with YubiKey %d stopped: %w", ErrCanceled, serial, err)
}
