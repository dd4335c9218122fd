package signer

import (
	"context"
	"fmt"
	"time"

	"github.com/signetbox/signet/hsm"
)

// maxPINLen bounds a typed PIN or passphrase.
const maxPINLen = 256

// PIN asks for a PIN on the console's second-to-last row, without echo,
// and erases the row afterwards. Enter finishes; Esc or Ctrl-C cancel
// ([ErrPINCanceled]); Enter alone fails with [ErrPINEmpty]. It fails with
// ctx.Err() when ctx is done, and after ConsoleOptions.PINTimeout. The
// caller owns (and wipes) the returned slice; backends ask PINSecret
// instead, which leaves no copy on the heap.
func (c *Console) PIN(ctx context.Context, why string) ([]byte, error) {
	s, err := c.PINSecret(ctx, why)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return append([]byte(nil), s.Bytes()...), nil
}

// PINSecret is PIN with the answer typed straight into a locked
// [hsm.Secret] (hsm.SecretPrompt), which the caller closes. The bytes read
// from the terminal are wiped as they are decoded, so the Secret holds
// the only copy.
func (c *Console) PINSecret(ctx context.Context, why string) (*hsm.Secret, error) {
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.release()
	old, err := makeRaw(c.fd)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	defer old.restore(c.fd)
	c.setActive(true)
	defer c.setActive(false)
	tctx, cancel := context.WithTimeout(ctx, c.opts.PINTimeout)
	defer cancel()
	stop := context.AfterFunc(tctx, c.wake)
	defer stop()

	rows, cols := termSize(c.fd)
	line := fmt.Sprintf("\x1b[%d;1H\x1b[2K", rows-1)
	defer c.write(line)
	prompt, _ := sanitizeCap("PIN to "+why+" (Enter when done, Esc cancels): ", cols-1)
	flushInput(c.fd) // only keys typed once the prompt shows count
	if err := c.write(line + c.style(styleHeading, prompt)); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	pin, err := c.readPIN(tctx)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil && tctx.Err() != nil {
		return nil, fmt.Errorf("console: no PIN typed within %s: %w", c.opts.PINTimeout, err)
	}
	return pin, err
}

// readPIN collects typed bytes into a Secret until Enter.
func (c *Console) readPIN(ctx context.Context) (*hsm.Secret, error) {
	pin := hsm.NewSecret(maxPINLen)
	kr := &keyReader{c: c}
	for {
		keys, err := kr.read(ctx, time.Now().Add(time.Hour))
		if err != nil {
			pin.Close()
			return nil, err
		}
		if c.dirty.Swap(false) {
			c.writeNotice()
		}
		for i, k := range keys {
			switch k.kind {
			case keyByte:
				if k.b >= 0x20 {
					pin.Append(k.b)
				}
			case keyBackspace:
				pin.Truncate(max(pin.Len()-1, 0))
			case keyClear:
				pin.Truncate(0)
			case keyDeny:
				clear(keys)
				pin.Close()
				return nil, ErrPINCanceled
			case keyEnter:
				clear(keys)
				if pin.Len() == 0 {
					pin.Close()
					return nil, ErrPINEmpty
				}
				return pin, nil
			}
			keys[i] = key{}
		}
	}
}

// writeNotice redraws the notice row and puts the cursor back.
func (c *Console) writeNotice() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.writeNoticeLocked()
}

// writeNoticeLocked draws the notice row, saving and restoring the cursor;
// c.wmu is held.
func (c *Console) writeNoticeLocked() {
	rows, cols := termSize(c.fd)
	c.f.WriteString(fmt.Sprintf("\x1b7\x1b[%d;1H\x1b[2K%s\x1b8", rows, c.noticeText(cols)))
}
