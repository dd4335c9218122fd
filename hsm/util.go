package hsm

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"github.com/hdevalence/ed25519consensus"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// Canceled returns an error wrapping both [ErrCanceled] and ctx's error.
func Canceled(ctx context.Context) error {
	return fmt.Errorf("%w: %w", ErrCanceled, context.Cause(ctx))
}

// CheckSignature verifies sig over hash under pub with the ZIP-215 rules
// that Tailnet Lock uses and returns an error wrapping [ErrBadSignature]
// when it does not verify. Backends call it on every signature before
// returning it.
func CheckSignature(pub ed25519.PublicKey, hash [32]byte, sig []byte) error {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize ||
		!ed25519consensus.Verify(pub, hash[:], sig) {
		return fmt.Errorf("%w; the key or the device may be damaged: check `signet key show` and the device, and do not use this signature", ErrBadSignature)
	}
	return nil
}

// Wipe overwrites b with zeros.
func Wipe(b []byte) {
	clear(b)
}
