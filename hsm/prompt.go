package hsm

import "context"

// PINPrompt supplies a PIN or passphrase when a backend needs one, usually
// by asking on the console.
//
// PIN returns the secret for the reason given in why (a short phrase such as
// "unseal the signing key"); it fails with ctx.Err() when ctx is done. The
// backend wipes the returned slice after use, so PIN must return a fresh
// copy each time.
type PINPrompt interface {
	PIN(ctx context.Context, why string) ([]byte, error)
}

// PINForgetter is implemented by a [PINPrompt] that caches PINs. Backends
// call Forget after the device refused a PIN, so the cache never replays a
// wrong one.
type PINForgetter interface {
	Forget()
}

// FixedPIN is a [PINPrompt] that always answers the same PIN. It is meant for
// tests and for callers that already hold the PIN.
type FixedPIN []byte

// PIN returns a copy of the fixed PIN.
func (p FixedPIN) PIN(ctx context.Context, why string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return append([]byte(nil), p...), nil
}

// AskPIN asks p for a PIN and turns a context error into [ErrCanceled].
func AskPIN(ctx context.Context, p PINPrompt, why string) ([]byte, error) {
	if p == nil {
		return nil, errorf("no PIN prompt configured to %s", why)
	}
	pin, err := p.PIN(ctx, why)
	if err != nil {
		if ctx.Err() != nil {
			return nil, Canceled(ctx)
		}
		return nil, wrapf(err, "asking for the PIN to %s", why)
	}
	return pin, nil
}

// ForgetPIN tells p to drop a cached PIN, if it caches any.
func ForgetPIN(p PINPrompt) {
	if f, ok := p.(PINForgetter); ok {
		f.Forget()
	}
}
