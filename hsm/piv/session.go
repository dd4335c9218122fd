package piv

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"unsafe"

	pivgo "github.com/go-piv/piv-go/v2/piv"
	"github.com/signetbox/signet/hsm"
)

// Unlock connects to the card, verifies the PIN as the slot's PIN policy
// asks, and returns a session that signs until Close:
//
//   - policy "never": nothing is asked.
//   - policy "once": the PIN is asked and verified once; the card keeps
//     it verified for the session, and Close reconnects, which makes the
//     card forget it, so the next decision asks again.
//   - policy "always": the card wants one VERIFY per signature. The PIN
//     is asked once, verified at once (a wrong PIN fails here, before
//     anything is signed), and kept in a locked [hsm.Secret] for the
//     session, which presents it before each signature: a batch of n
//     costs one question and n+1 VERIFY commands. Close wipes it.
//
// The touch policy is the card's own: with "always" the card waits for a
// touch at every signature of the session, and opts.Touch hears of each.
func (k *Key) Unlock(ctx context.Context, why string) (hsm.Session, error) {
	if err := k.acquire(ctx); err != nil {
		return nil, err
	}
	defer k.release()
	if err := k.connect(); err != nil {
		return nil, err
	}
	if k.pin == pivgo.PINPolicyNever {
		return &session{k: k, c: k.c}, nil
	}
	left, err := k.freshPINState()
	if err != nil {
		return nil, err
	}
	pin, err := k.askPIN(ctx, question(k.opts.Serial, why, left))
	if err != nil {
		return nil, err
	}
	if err := k.verify(pin); err != nil {
		pin.Close()
		return nil, err
	}
	s := &session{k: k, c: k.c}
	if k.pin == pivgo.PINPolicyAlways {
		s.pin = pin
	} else {
		pin.Close()
	}
	return s, nil
}

// freshPINState returns the PIN tries left on a card whose PIN is not
// verified: a PIN verified before this session (by another program
// between our connections) is dropped by reconnecting. Called with sem
// held.
func (k *Key) freshPINState() (int, error) {
	for range 2 {
		verified, left, err := k.c.pinState()
		if err != nil {
			k.disconnect()
			return 0, removedError(k.opts.Serial, err)
		}
		if !verified {
			if left == 0 {
				return 0, blockedError(k.opts.Serial)
			}
			return left, nil
		}
		k.disconnect()
		if err := k.connect(); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("piv: YubiKey %d keeps its PIN verified across connections; remove and reinsert it", k.opts.Serial)
}

// question is what the PIN prompt says a YubiKey PIN is for.
func question(serial uint32, why string, left int) string {
	q := fmt.Sprintf("sign with YubiKey %d (", serial)
	if why != "" {
		q += why + "; "
	}
	return q + fmt.Sprintf("%d tries left)", left)
}

func (k *Key) askPIN(ctx context.Context, q string) (*hsm.Secret, error) {
	if k.opts.Prompt == nil {
		return nil, fmt.Errorf("piv: YubiKey %d needs its PIN and no PIN prompt is configured", k.opts.Serial)
	}
	pin, err := hsm.AskSecret(ctx, k.opts.Prompt, q)
	if err != nil {
		if ctx.Err() != nil {
			return nil, canceled(k.opts.Serial, ctx.Err())
		}
		return nil, fmt.Errorf("piv: reading the PIN: %w", err)
	}
	return pin, nil
}

// verify presents pin to the card. Called with sem held.
//
// NOTE(piv): piv-go takes the PIN as a string; it gets one that aliases
// the locked buffer rather than a copy. piv-go still pads it into an APDU
// on the Go heap, and libpcsclite passes that through C buffers on its
// way to pcscd; neither can be wiped from here. The VERIFY does not run
// under hsm.Erasing: runtime/secret.Do does not support cgo calls (the
// process dies with SIGSEGV), and it would not reach the C copies anyway.
func (k *Key) verify(pin *hsm.Secret) error {
	b := pin.Bytes()
	if len(b) == 0 {
		return fmt.Errorf("piv: the PIN for YubiKey %d is empty; type the PIN", k.opts.Serial)
	}
	err := k.c.yk.VerifyPIN(unsafe.String(unsafe.SliceData(b), len(b)))
	if err == nil {
		return nil
	}
	if _, ok := cardStatus(err); !ok && !isAuthErr(err) {
		k.disconnect()
		return removedError(k.opts.Serial, err)
	}
	hsm.ForgetPIN(k.opts.Prompt)
	return authError(k.opts.Serial, false, err)
}

// session is one unlock of a YubiKey slot.
type session struct {
	k *Key
	c *card // the connection the PIN was verified on

	mu     sync.Mutex
	closed bool
	pin    *hsm.Secret // PIN policy "always" only
}

func (s *session) PublicKey() ed25519.PublicKey { return s.k.pub }

// Sign signs hash on the card, presenting the PIN first under policy
// "always".
func (s *session) Sign(ctx context.Context, hash [32]byte) ([]byte, error) {
	k := s.k
	if err := k.acquire(ctx); err != nil {
		return nil, err
	}
	if err := s.ready(); err != nil {
		k.release()
		return nil, err
	}
	k.notifyTouch()
	done := make(chan signResult, 1)
	go func() {
		defer k.release()
		sig, err := k.signOnCard(hash)
		done <- signResult{sig, err}
	}()
	select {
	case r := <-done:
		return r.sig, r.err
	case <-ctx.Done():
		return nil, canceled(k.opts.Serial, ctx.Err())
	}
}

// SignMany signs each hash on the card in turn (each verified, each
// waiting for a touch if the policy says so).
func (s *session) SignMany(ctx context.Context, hashes [][32]byte, progress func(int)) ([][]byte, error) {
	return hsm.SignEach(ctx, s, hashes, progress)
}

// ready checks that the session is open on the connection it unlocked,
// and presents the PIN under policy "always". Called with sem held.
func (s *session) ready() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("piv: YubiKey %d: %w", s.k.opts.Serial, hsm.ErrSessionClosed)
	}
	if s.k.c == nil || s.k.c != s.c {
		return fmt.Errorf("%w: YubiKey %d was disconnected during the session and has forgotten its PIN; sign again", ErrCardRemoved, s.k.opts.Serial)
	}
	if s.pin != nil {
		return s.k.verify(s.pin)
	}
	return nil
}

// Close wipes a kept PIN and drops the connection, so the card forgets a
// verified PIN. It does not wait for a signature that a canceled Sign
// left running on the card (waiting for a touch): the connection is
// dropped when that one ends, and an Unlock that comes first finds the
// PIN verified and reconnects itself (freshPINState).
func (s *session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.pin.Close()
	s.pin = nil
	s.mu.Unlock()
	k := s.k
	drop := func() {
		if k.c != nil && k.c == s.c && k.pin != pivgo.PINPolicyNever {
			k.disconnect()
		}
		k.release()
	}
	select {
	case k.sem <- struct{}{}:
		drop()
	default:
		go func() {
			k.sem <- struct{}{}
			drop()
		}()
	}
	return nil
}
