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

// SecretPrompt is a [PINPrompt] that can put the typed PIN straight into
// a locked [Secret], so no other copy of it is left in the process.
type SecretPrompt interface {
	PINPrompt
	// PINSecret is PIN with the answer in a Secret the caller closes.
	PINSecret(ctx context.Context, why string) (*Secret, error)
}

// AskSecret asks p for a PIN, like [AskPIN], and returns it in a locked
// [Secret] that the caller closes. A prompt that is not a [SecretPrompt]
// answers on the heap; its answer is copied into the Secret and wiped.
func AskSecret(ctx context.Context, p PINPrompt, why string) (*Secret, error) {
	sp, ok := p.(SecretPrompt)
	if !ok {
		pin, err := AskPIN(ctx, p, why)
		if err != nil {
			return nil, err
		}
		return SecretFrom(pin), nil
	}
	s, err := sp.PINSecret(ctx, why)
	if err != nil {
		if ctx.Err() != nil {
			return nil, Canceled(ctx)
		}
		return nil, wrapf(err, "asking for the PIN to %s", why)
	}
	return s, nil
}
