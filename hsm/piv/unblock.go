package piv

import (
	"context"
	"errors"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
)

// Unblock sets a new PIN on the YubiKey with serial after the PIN was
// blocked, using the PUK. prompt is asked for WhyPUK, then WhyNewPIN. A
// wrong PUK is a *PINError with PUK set. Close every Key on the card first:
// piv-go holds a card exclusively; [Key.Unblock] reuses an open Key.
func Unblock(ctx context.Context, serial uint32, prompt PINPrompt) error {
	if prompt == nil {
		return errors.New("piv: unblocking needs a PIN prompt")
	}
	c, err := openCard(serial)
	if err != nil {
		return err
	}
	defer c.close()
	return unblock(ctx, c, prompt)
}

// Unblock is the package-level Unblock on the key's own connection, asking
// the key's prompt.
func (k *Key) Unblock(ctx context.Context) error {
	if k.opts.Prompt == nil {
		return errors.New("piv: unblocking needs a PIN prompt")
	}
	if err := k.acquire(ctx); err != nil {
		return err
	}
	defer k.release()
	if err := k.connect(); err != nil {
		return err
	}
	return unblock(ctx, k.c, k.opts.Prompt)
}

func unblock(ctx context.Context, c *card, prompt PINPrompt) error {
	p := provisioner{c: c, o: ProvisionOptions{Prompt: prompt}}
	puk, err := p.ask(ctx, WhyPUK)
	defer wipe(puk)
	if err != nil {
		return err
	}
	pin, err := p.askNew(ctx, WhyNewPIN, "PIN", []byte(pivgo.DefaultPIN))
	defer wipe(pin)
	if err != nil {
		return err
	}
	if err := c.yk.Unblock(string(puk), string(pin)); err != nil {
		return fmt.Errorf("piv: unblocking the PIN: %w", authError(c.serial, true, err))
	}
	return nil
}
