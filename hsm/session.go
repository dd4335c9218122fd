package hsm

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/tka"
)

// Session is a [Key] unlocked for one approved decision (a batch, a
// rotation step, a ceremony step): the PIN was asked at most once, and
// Sign makes one signature per digest until Close.
//
// Sign verifies every signature against PublicKey before returning it,
// as [Key.Sign] does, and fails with [ErrBadSignature] otherwise; it
// fails with [ErrNoDevice] when the device went away during the session
// (a reinserted card has forgotten the PIN: unlock again), with
// [ErrCanceled] when ctx ended, and with [ErrSessionClosed] after Close.
// Hardware policies still apply per signature: a YubiKey whose touch
// policy is "always" waits for a touch at each one.
//
// What a session holds, by backend: a TPM session holds the unsealed
// Ed25519 key in a locked [Secret]; a YubiKey session holds the card with
// its PIN verified (PIN policy "once"), or the PIN itself in a locked
// Secret to present before each signature (PIN policy "always"); a
// software key's session holds nothing more than the open key. Close
// wipes what the session holds and, on a card, drops the PIN's verified
// state. Close is safe to call more than once.
type Session interface {
	tka.Signer
	// SignMany signs each hash in order and returns the signatures, every
	// one verified, or the first error. progress, if not nil, is called
	// with the number signed so far after each signature is made.
	// Backends that sign in memory verify the whole set at once (batch
	// verification), which is what makes a batch of 1,000 cheap.
	SignMany(ctx context.Context, hashes [][32]byte, progress func(done int)) ([][]byte, error)
	Close() error
}

// ErrSessionClosed means a [Session] was used after Close.
var ErrSessionClosed = errors.New("the key's unlock session is closed; unlock it again for the next decision")

// SignOnce unlocks k with why, signs hash and closes the session: the
// one-signature path of every backend's Sign.
func SignOnce(ctx context.Context, k interface {
	Unlock(context.Context, string) (Session, error)
}, why string, hash [32]byte) ([]byte, error) {
	s, err := k.Unlock(ctx, why)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Sign(ctx, hash)
}

// SignManyVerified signs hashes with sign, which returns unverified
// signatures, reporting progress after each, then verifies them all
// against pub with one batch verification (ZIP-215 rules, as
// [CheckSignature]). When the batch fails, each signature is checked on
// its own so the error names the first bad one. It is the SignMany of
// backends that sign in memory.
func SignManyVerified(ctx context.Context, pub ed25519.PublicKey, hashes [][32]byte, progress func(int), sign func([32]byte) ([]byte, error)) ([][]byte, error) {
	sigs := make([][]byte, len(hashes))
	for i, h := range hashes {
		if ctx.Err() != nil {
			return nil, Canceled(ctx)
		}
		sig, err := sign(h)
		if err != nil {
			return nil, err
		}
		sigs[i] = sig
		if progress != nil {
			progress(i + 1)
		}
	}
	if len(hashes) == 0 || batchVerify(pub, hashes, sigs) {
		return sigs, nil
	}
	for i, h := range hashes {
		if err := CheckSignature(pub, h, sigs[i]); err != nil {
			return nil, fmt.Errorf("signature %d of %d: %w", i+1, len(hashes), err)
		}
	}
	// The batch failed but every signature verifies alone: the batch's
	// random coefficients never make that happen with valid inputs.
	return nil, fmt.Errorf("%w: the batch check failed", ErrBadSignature)
}

// SignEach is the SignMany of backends that sign one digest at a time on
// a device, verifying each as Sign does.
func SignEach(ctx context.Context, s tka.Signer, hashes [][32]byte, progress func(int)) ([][]byte, error) {
	sigs := make([][]byte, len(hashes))
	for i, h := range hashes {
		sig, err := s.Sign(ctx, h)
		if err != nil {
			return nil, err
		}
		sigs[i] = sig
		if progress != nil {
			progress(i + 1)
		}
	}
	return sigs, nil
}

// batchVerify reports whether every signature verifies, in one batch
// (about half the cost of verifying one by one for 1,000; splitting it
// across CPUs measured slower on a busy 2-core box).
func batchVerify(pub ed25519.PublicKey, hashes [][32]byte, sigs [][]byte) bool {
	bv := ed25519consensus.NewPreallocatedBatchVerifier(len(hashes))
	for i := range hashes {
		bv.Add(pub, hashes[i][:], sigs[i])
	}
	return bv.Verify()
}
