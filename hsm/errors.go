package hsm

import (
	"errors"
	"fmt"
)

// Sentinel errors that backends wrap; test for them with errors.Is.
var (
	// ErrWrongPIN means the device refused the PIN or passphrase. The error
	// is usually a [*WrongPINError] that says how many tries are left.
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrLockout means the device refuses every PIN, the right one too,
	// until its recovery time passes or an administrator resets it.
	ErrLockout = errors.New("the device is locked out after too many wrong PINs")
	// ErrPolicy means the device's policy refused to release the key, e.g.
	// the TPM's boot measurements (PCRs) changed since the key was sealed.
	ErrPolicy = errors.New("the device's policy refused the key")
	// ErrNoDevice means no device answered at the configured address.
	ErrNoDevice = errors.New("no device found")
	// ErrForeignBlob means the key file belongs to another device.
	ErrForeignBlob = errors.New("the key file belongs to another device")
	// ErrCorruptBlob means the key file is damaged or truncated.
	ErrCorruptBlob = errors.New("the key file is damaged")
	// ErrCanceled means the caller's context ended before the operation did.
	ErrCanceled = errors.New("canceled")
	// ErrBadSignature means the device returned a signature that does not
	// verify under the key's public key.
	ErrBadSignature = errors.New("the device produced an invalid signature")
)

// WrongPINError is a wrong PIN with the number of tries left.
type WrongPINError struct {
	// TriesLeft is the number of wrong PINs left before lockout, or -1
	// when the device does not say.
	TriesLeft int
}

// Error says that the PIN was wrong and how many tries are left.
func (e *WrongPINError) Error() string {
	switch {
	case e.TriesLeft < 0:
		return "wrong PIN"
	case e.TriesLeft == 0:
		return "wrong PIN (no tries left: the device is now locked out)"
	case e.TriesLeft == 1:
		return "wrong PIN (1 try left before lockout)"
	default:
		return fmt.Sprintf("wrong PIN (%d tries left before lockout)", e.TriesLeft)
	}
}

// Is makes errors.Is(err, ErrWrongPIN) true.
func (e *WrongPINError) Is(target error) bool { return target == ErrWrongPIN }
