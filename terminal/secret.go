package terminal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signetbox/signet/hsm"
)

// MaxSecretLen bounds a typed PIN or passphrase.
const MaxSecretLen = 256

// Errors of ReadSecret.
var (
	ErrSecretCanceled = errors.New("console: the operator cancelled the PIN prompt")
	ErrSecretEmpty    = errors.New("console: no PIN was typed")
)

// ReadSecret shows prompt (sanitised) on the row above the status line
// and reads a secret in raw mode, without echo, into a locked
// [hsm.Secret] that the caller closes; the row is erased afterwards.
// What was typed before the prompt showed is discarded, and the bytes
// read from the terminal are wiped as they are decoded, so the Secret
// holds the only copy. Enter finishes; Esc or Ctrl-C cancel
// ([ErrSecretCanceled]); Enter alone fails with [ErrSecretEmpty]. It
// fails when ctx is done or the TTY is stopped. Notices that arrive
// meanwhile are drawn on the status line.
func (t *TTY) ReadSecret(ctx context.Context, prompt string) (*hsm.Secret, error) {
	restore, err := t.Raw()
	if err != nil {
		return nil, err
	}
	defer restore()
	t.SetActive(true)
	defer t.SetActive(false)
	stop := context.AfterFunc(ctx, t.Wake)
	defer stop()

	rows, cols := t.Size()
	line := fmt.Sprintf("\x1b[%d;1H\x1b[2K", rows-1)
	defer t.Print(line)
	text, _ := SanitizeCap(prompt, cols-1)
	t.FlushInput() // only keys typed once the prompt shows count
	if err := t.Print(line + t.Style(StyleHeading, text)); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return t.readSecret(ctx)
}

// readSecret collects typed bytes into a Secret until Enter.
func (t *TTY) readSecret(ctx context.Context) (*hsm.Secret, error) {
	s := hsm.NewSecret(MaxSecretLen)
	kr := t.Keys()
	for {
		keys, err := kr.Read(ctx, time.Now().Add(time.Hour))
		if err != nil {
			s.Close()
			return nil, err
		}
		if t.NoticeChanged() {
			t.DrawStatus()
		}
		for i, k := range keys {
			switch k.Kind {
			case KeyByte:
				if k.B >= 0x20 {
					s.Append(k.B)
				}
			case KeyBackspace:
				s.Truncate(max(s.Len()-1, 0))
			case KeyClear:
				s.Truncate(0)
			case KeyDeny:
				clear(keys)
				s.Close()
				return nil, ErrSecretCanceled
			case KeyEnter:
				clear(keys)
				if s.Len() == 0 {
					s.Close()
					return nil, ErrSecretEmpty
				}
				return s, nil
			}
			keys[i] = Key{}
		}
	}
}
