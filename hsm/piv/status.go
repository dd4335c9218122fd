package piv

import (
	"context"
	"errors"
)

// Status is what the card says about itself.
type Status struct {
	Present  bool   // the YubiKey is inserted
	Serial   uint32 // its serial number
	Firmware string // e.g. "5.7.1"; empty when absent
	// PINVerified is true when the PIN is verified in the current session;
	// the retry counter is then full and PINRetries is 0.
	PINVerified bool
	PINRetries  int  // PIN tries left before it blocks
	Blocked     bool // the PIN is blocked; unblock it with the PUK
}

// Status reports whether the card is present and the state of its PIN. An
// absent card is not an error: Present is false.
func (k *Key) Status(ctx context.Context) (Status, error) {
	st := Status{Serial: k.opts.Serial}
	if err := k.acquire(ctx); err != nil {
		return st, err
	}
	defer k.release()
	if err := k.connect(); err != nil {
		if errors.Is(err, ErrNoDevice) || errors.Is(err, ErrWrongSerial) {
			return st, nil
		}
		return st, err
	}
	verified, left, err := k.c.pinState()
	if err != nil {
		k.disconnect()
		return st, nil
	}
	st.Present, st.Firmware = true, k.c.firmware()
	st.PINVerified, st.PINRetries, st.Blocked = verified, left, !verified && left == 0
	return st, nil
}
