package piv

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/subtle"
	"errors"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
)

// Key is an Ed25519 key in a YubiKey PIV slot. It implements tka.Signer.
// Its methods are safe for concurrent use; the card does one thing at a
// time. A Key reconnects on its own after the card was removed and
// reinserted.
type Key struct {
	opts  Options
	slot  pivgo.Slot
	pub   ed25519.PublicKey
	pin   pivgo.PINPolicy
	touch pivgo.TouchPolicy

	sem chan struct{} // held while the card is in use
	c   *card         // nil while disconnected; guarded by sem
}

// Open connects to the YubiKey with opts.Serial and reads the public key and
// policies of the Ed25519 key in opts.Slot.
func Open(ctx context.Context, opts Options) (*Key, error) {
	if opts.Serial == 0 {
		return nil, errors.New("piv: open needs the YubiKey serial; take it from the key URI")
	}
	slot, err := slotFor(opts.Slot)
	if err != nil {
		return nil, err
	}
	k := &Key{opts: opts, slot: slot, sem: make(chan struct{}, 1)}
	if err := k.acquire(ctx); err != nil {
		return nil, err
	}
	defer k.release()
	if err := k.connect(); err != nil {
		return nil, err
	}
	return k, nil
}

// connect opens the card and reads the slot's key. Called with sem held.
func (k *Key) connect() error {
	if k.c != nil {
		return nil
	}
	c, err := openCard(k.opts.Serial)
	if err != nil {
		return err
	}
	info, err := c.yk.KeyInfo(k.slot)
	if err != nil {
		c.close()
		if errors.Is(err, pivgo.ErrNotFound) {
			return fmt.Errorf("piv: YubiKey %d has no key in slot %s; provision it first", k.opts.Serial, k.slot)
		}
		return fmt.Errorf("piv: reading slot %s of YubiKey %d: %w", k.slot, k.opts.Serial, err)
	}
	pub, ok := info.PublicKey.(ed25519.PublicKey)
	if info.Algorithm != pivgo.AlgorithmEd25519 || !ok {
		c.close()
		return fmt.Errorf("piv: slot %s of YubiKey %d holds no Ed25519 key; provision it for signet", k.slot, k.opts.Serial)
	}
	want := k.opts.PublicKey
	if k.pub != nil {
		want = k.pub
	}
	if want != nil && subtle.ConstantTimeCompare(want, pub) != 1 {
		c.close()
		return fmt.Errorf("piv: slot %s of YubiKey %d holds another key than the one configured; was it re-provisioned?", k.slot, k.opts.Serial)
	}
	k.c, k.pub, k.pin, k.touch = c, pub, info.PINPolicy, info.TouchPolicy
	return nil
}

func (k *Key) acquire(ctx context.Context) error {
	select {
	case k.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return canceled(k.opts.Serial, ctx.Err())
	}
}

func (k *Key) release() { <-k.sem }

// disconnect drops the connection after PC/SC lost the card; the next call
// reconnects.
func (k *Key) disconnect() {
	k.c.close()
	k.c = nil
}

// PublicKey returns the key's Ed25519 public key.
func (k *Key) PublicKey() ed25519.PublicKey { return k.pub }

// Serial returns the YubiKey's serial number.
func (k *Key) Serial() uint32 { return k.opts.Serial }

// Sign signs the 32-byte hash: [Key.Unlock] for one signature. It asks
// opts.Prompt for the PIN when the policy needs it, tells opts.Touch when
// the card waits for a touch, and checks the signature against the
// public key before returning it. When ctx ends during the touch wait
// Sign returns at once with ErrCanceled; the card finishes or times out
// on its own and the signature, if any, is dropped.
func (k *Key) Sign(ctx context.Context, hash [32]byte) ([]byte, error) {
	return hsm.SignOnce(ctx, k, "", hash)
}

type signResult struct {
	sig []byte
	err error
}

func isAuthErr(err error) bool {
	var ae pivgo.AuthErr
	return errors.As(err, &ae)
}

func (k *Key) notifyTouch() {
	if k.opts.Touch == nil {
		return
	}
	switch k.touch {
	case pivgo.TouchPolicyAlways:
		k.opts.Touch(fmt.Sprintf("touch YubiKey %d now to sign", k.opts.Serial))
	case pivgo.TouchPolicyCached:
		k.opts.Touch(fmt.Sprintf("touch YubiKey %d if it blinks", k.opts.Serial))
	}
}

// signOnCard runs GENERAL AUTHENTICATE; it blocks while the card waits for
// a touch. Called with sem held.
func (k *Key) signOnCard(hash [32]byte) ([]byte, error) {
	// The PIN, when needed, was verified by prepare; telling piv-go the
	// policy is "never" keeps it from asking again.
	priv, err := k.c.yk.PrivateKey(k.slot, k.pub, pivgo.KeyAuth{PINPolicy: pivgo.PINPolicyNever})
	if err != nil {
		return nil, fmt.Errorf("piv: using slot %s of YubiKey %d: %w", k.slot, k.opts.Serial, err)
	}
	sig, err := priv.(crypto.Signer).Sign(nil, hash[:], crypto.Hash(0))
	if err != nil {
		return nil, k.signError(err)
	}
	if !ed25519consensus.Verify(k.pub, hash[:], sig) {
		return nil, fmt.Errorf("%w: YubiKey %d, slot %s; do not use this card, and report it", ErrBadSignature, k.opts.Serial, k.slot)
	}
	return sig, nil
}

func (k *Key) signError(err error) error {
	st, ok := cardStatus(err)
	switch {
	case !ok:
		k.disconnect()
		return removedError(k.opts.Serial, err)
	case st == swSecurityStatus && k.touch != pivgo.TouchPolicyNever:
		return touchError(k.opts.Serial)
	case st == swAuthBlocked:
		return blockedError(k.opts.Serial)
	}
	return fmt.Errorf("piv: YubiKey %d refused to sign: %w", k.opts.Serial, err)
}

// Close releases the card. It waits for a signature that a canceled Sign
// left running on the card (a YubiKey gives up waiting for a touch after
// about 15 seconds). A later call reconnects.
func (k *Key) Close() error {
	k.sem <- struct{}{}
	defer k.release()
	if k.c != nil {
		k.disconnect()
	}
	return nil
}
