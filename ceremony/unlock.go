package ceremony

// Rules for this file: the key is unlocked once, before any disablement
// secret exists, and everything the ceremony signs afterwards is signed
// with that one hsm.Session. The ceremony never holds the PIN: the
// backend takes it for the unlock and the session holds what the device
// unlocked (docs/keys.md). A mistyped PIN is asked again, but never when
// the device has fewer than minTriesLeft tries left: the ceremony does not
// spend the last one.

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// minTriesLeft is the fewest PIN tries the device must have left for the
// ceremony to ask for the PIN: a wrong entry then still leaves one.
const minTriesLeft = 2

// errNoPIN means an empty line was typed for the PIN; it is asked again
// without reaching the device.
var errNoPIN = errors.New("nothing was typed")

// errAskedAgain means a backend asked for the PIN after the key was
// unlocked, which the ceremony does not allow.
var errAskedAgain = errors.New("the key asked for its PIN again after it was unlocked; the ceremony asks only once")

// unlockWhy says what the unlock is for, shown with the PIN question.
func unlockWhy(genesis bool) string {
	if genesis {
		return "the ceremony's genesis and transcript"
	}
	return "the ceremony's transcript"
}

// askPIN is the ceremony's hsm.PINPrompt: until the key is unlocked it
// asks on the terminal, once per attempt, and keeps no copy; once the key
// is unlocked (seal) it refuses to ask, so a backend that asked again
// would fail instead of prompting a second time.
type askPIN struct {
	t      Terminal
	prompt string

	mu     sync.Mutex
	sealed bool
}

// PIN asks on the terminal. The caller (the backend) wipes the answer.
func (p *askPIN) PIN(ctx context.Context, why string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sealed {
		return nil, errAskedAgain
	}
	typed, err := p.t.ReadSecret(ctx, p.prompt)
	if err != nil {
		return nil, err
	}
	if len(typed) == 0 {
		return nil, errNoPIN
	}
	return typed, nil
}

// Touch tells the people present that the YubiKey waits for a touch
// (piv.TouchNotifier).
func (p *askPIN) Touch(msg string) {
	printf(p.t, "%s\n", msg)
}

// seal marks the key unlocked: from now on nothing is asked.
func (p *askPIN) seal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sealed = true
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
	c.pins = &askPIN{t: c.t, prompt: fmt.Sprintf("%s, to unlock the key for this ceremony: ", upperFirst(noun))}
	wrong := 0
	for try := 1; ; try++ {
		err := c.tryUnlock(ctx)
		if err == nil {
			break
		}
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
	s, err := c.key.Unlock(ctx, unlockWhy(c.o.Genesis))
	if err != nil {
		return err
	}
	c.pins.seal()
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
