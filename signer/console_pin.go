package signer

import (
	"context"
	"fmt"

	"github.com/signetbox/signet/hsm"
)

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
// the only copy ([terminal.TTY.ReadSecret]).
func (c *Console) PINSecret(ctx context.Context, why string) (*hsm.Secret, error) {
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.release()
	tctx, cancel := context.WithTimeout(ctx, c.opts.PINTimeout)
	defer cancel()
	pin, err := c.tty.ReadSecret(tctx, "PIN to "+why+" (Enter when done, Esc cancels): ")
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil && tctx.Err() != nil {
		return nil, fmt.Errorf("console: no PIN typed within %s: %w", c.opts.PINTimeout, err)
	}
	return pin, err
}
