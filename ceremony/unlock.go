package ceremony

// Rules for this file: the key is unlocked once, before any disablement
// secret exists, and everything the ceremony signs afterwards is signed
// with that one unlock. A PIN the device accepted is held only until the
// ceremony ends, in a buffer locked in RAM where the system allows, and
// wiped then; a PIN the device refused is wiped at once. A mistyped PIN is
// asked again, but never when the device has fewer than minTriesLeft
// tries left: the ceremony does not spend the last one.

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// minTriesLeft is the fewest PIN tries the device must have left for the
// ceremony to ask for the PIN: a wrong entry then still leaves one.
const minTriesLeft = 2

// unlockContext prefixes the probe digest that checks the PIN. Like
// Context, it makes the digest a SHA-512/256 over a prefix no Tailnet Lock
// SigHash can start with.
const unlockContext = "signet ceremony unlock check v1\x00"

// errNoPIN means an empty line was typed for the PIN; it is asked again
// without reaching the device.
var errNoPIN = errors.New("nothing was typed")

// errAskedAgain means a backend asked for the PIN after the key was
// unlocked, which the ceremony does not allow.
var errAskedAgain = errors.New("the key asked for its PIN again after it was unlocked; the ceremony asks only once")

// session is the box's key unlocked for this ceremony's signatures: the
// PIN was asked once and checked by the device; Sign asks nothing; Close
// wipes what the session holds.
//
// NOTE(ceremony): hsm.Key has no Unlock on this branch. When hsm gains
// Key.Unlock(ctx, why) (hsm.Session, error), whose Session is a
// tka.Signer with Close, unlockKey returns key.Unlock(ctx, why) and
// heldPIN stops holding: it only asks. The retry loop, the tries check and
// every caller stay as they are.
type session interface {
	tka.Signer
	Close() error
}

// pinSession signs with an open key whose PIN questions heldPIN answers.
type pinSession struct {
	hsm.Key
	pins *heldPIN
}

// Close wipes the held PIN; the key stays open for the ceremony to close.
func (s *pinSession) Close() error {
	s.pins.close()
	return nil
}

// unlockKey unlocks key for the ceremony: it signs probe, which makes the
// backend ask pins for the PIN and check it on the device. A wrong PIN
// fails with an error wrapping hsm.ErrWrongPIN and has cost one try.
func unlockKey(ctx context.Context, key hsm.Key, pins *heldPIN, probe [32]byte) (session, error) {
	if _, err := key.Sign(ctx, probe); err != nil {
		return nil, err
	}
	pins.seal()
	return &pinSession{Key: key, pins: pins}, nil
}

// probeDigest is what unlockKey signs for the ceremony id.
func probeDigest(id string) [32]byte {
	return sha512.Sum512_256([]byte(unlockContext + id))
}

// heldPIN is the ceremony's hsm.PINPrompt. Until the key is unlocked it
// asks on the terminal, at most once per attempt; the answer is held so
// that the backend's later questions during this ceremony are answered
// without asking again. A backend that refuses the PIN calls Forget.
type heldPIN struct {
	t      Terminal
	prompt string

	mu     sync.Mutex
	pin    []byte // nil when nothing is held
	sealed bool   // unlocked: answer from pin or fail, never ask
	asked  int    // prompts shown
}

// PIN answers from the held PIN or, before the unlock, asks on the
// terminal. The caller (the backend) wipes the returned copy.
func (p *heldPIN) PIN(ctx context.Context, why string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pin != nil {
		return bytes.Clone(p.pin), nil
	}
	if p.sealed {
		return nil, errAskedAgain
	}
	p.asked++
	typed, err := p.t.ReadSecret(ctx, p.prompt)
	if err != nil {
		return nil, err
	}
	if len(typed) == 0 {
		return nil, errNoPIN
	}
	p.pin = bytes.Clone(typed)
	unix.Mlock(p.pin) // best effort: RLIMIT_MEMLOCK may refuse
	return typed, nil
}

// Forget wipes the held PIN (hsm.PINForgetter): the device refused it.
func (p *heldPIN) Forget() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wipe()
}

// Touch tells the people present that the YubiKey waits for a touch
// (piv.TouchNotifier).
func (p *heldPIN) Touch(msg string) {
	printf(p.t, "%s\n", msg)
}

// seal marks the key unlocked: from now on nothing is asked.
func (p *heldPIN) seal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sealed = true
}

// close wipes the held PIN for good.
func (p *heldPIN) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wipe()
	p.sealed = true
}

func (p *heldPIN) wipe() {
	if p.pin != nil {
		hsm.Wipe(p.pin)
		unix.Munlock(p.pin)
		p.pin = nil
	}
}

// unlockStep opens the key and unlocks it once for every signature the
// ceremony makes, before any secret exists. A wrong or empty entry is
// asked again, up to maxRetries times, while the device has tries to
// spare.
func (c *Ceremony) unlockStep(ctx context.Context) error {
	noun := pinNoun(c.box.URI.Scheme)
	printf(c.t, "\n== Step 5: unlock the key ==\n"+
		"The %s is asked once, now, before any disablement secret is made; the key then\n"+
		"signs this ceremony's outputs without asking again.\n", noun)
	c.pins = &heldPIN{t: c.t, prompt: fmt.Sprintf("%s, to unlock the key for this ceremony: ", upperFirst(noun))}
	wrong := 0
	for try := 1; ; try++ {
		err := c.tryUnlock(ctx)
		if err == nil {
			break
		}
		c.pins.Forget()
		isWrong := errors.Is(err, hsm.ErrWrongPIN)
		if !isWrong && !errors.Is(err, errNoPIN) || try == maxRetries {
			return err
		}
		if isWrong {
			wrong++
			printf(c.t, "  Wrong %s; type it again.\n", noun)
		} else {
			printf(c.t, "  Nothing was typed; type the %s.\n", noun)
		}
	}
	result := fmt.Sprintf("the %s was checked %s; the key is unlocked for this ceremony's signatures", noun, checkedBy(c.box.URI.Scheme))
	if wrong > 0 {
		result += fmt.Sprintf(" (after %d wrong %s)", wrong, plural(wrong, "entry", "entries"))
	}
	c.step("unlock", "%s", result)
	return nil
}

// tryUnlock opens the key if needed (a soft key asks its passphrase
// here), checks the device's tries, and unlocks it.
func (c *Ceremony) tryUnlock(ctx context.Context) error {
	if c.key == nil {
		k, err := c.o.Open(ctx, c.box.URI.String(), c.pins)
		if err != nil {
			return fmt.Errorf("opening the key %s: %w", c.box.URI, err)
		}
		c.key = k
		if !k.PublicKey().Equal(c.box.Public) {
			return fmt.Errorf("the key device holds %s but key.pub says %s; was the device swapped?", tka.FormatTLPub(k.PublicKey()), tka.FormatTLPub(c.box.Public))
		}
	}
	left, err := checkTries(ctx, c.key)
	if err != nil {
		return err
	}
	if left >= 0 {
		printf(c.t, "  %d %s %s left before the device locks.\n", left, pinNoun(c.box.URI.Scheme), plural(left, "try", "tries"))
	}
	s, err := unlockKey(ctx, c.key, c.pins, probeDigest(c.tr.ID))
	if err != nil {
		return err
	}
	c.sess = s
	return nil
}

// checkTries reads the device's PIN retry counter and refuses to ask when
// the device is locked out or has fewer than minTriesLeft tries left. It
// returns the tries left, or -1 when the device does not say.
func checkTries(ctx context.Context, key hsm.Key) (int, error) {
	st, err := key.Status(ctx)
	if err != nil {
		return -1, fmt.Errorf("reading the key's PIN retry counter: %w", err)
	}
	if st.Lockout {
		return 0, hinted(errors.New("the key's device is locked out after too many wrong PINs; nothing was shown or written"),
			"reset its PIN counter with 'signet key reset-lockout', then run the ceremony again")
	}
	if st.PINRetries >= 0 && st.PINRetries < minTriesLeft {
		return st.PINRetries, hinted(fmt.Errorf("the key's device has %d PIN %s left, and the ceremony never spends the last one; nothing was shown or written", st.PINRetries, plural(st.PINRetries, "try", "tries")),
			"reset its PIN counter with 'signet key reset-lockout' (or wait for the TPM's recovery time), then run the ceremony again")
	}
	return st.PINRetries, nil
}

// pinNoun names what unlocks a key of the given backend.
func pinNoun(scheme string) string {
	switch scheme {
	case "tpm":
		return "TPM PIN"
	case "piv":
		return "YubiKey PIN"
	case "soft":
		return "passphrase"
	}
	return "PIN"
}

// checkedBy says what checks the PIN of a key of the given backend.
func checkedBy(scheme string) string {
	switch scheme {
	case "tpm":
		return "by the TPM"
	case "piv":
		return "by the YubiKey"
	case "soft":
		return "by decrypting the key file"
	}
	return "by the device"
}
