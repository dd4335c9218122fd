package piv

import (
	"context"
	"errors"
	"fmt"

	pivgo "github.com/go-piv/piv-go/v2/piv"
)

// ChangePIN changes the PIN of the YubiKey with the given serial (zero:
// the only one inserted), asking prompt for the current PIN (WhyCurrentPIN)
// and a new one (WhyNewPIN; the factory default is refused). A wrong
// current PIN counts against the card's tries, and the error says how many
// are left.
func ChangePIN(ctx context.Context, serial uint32, prompt PINPrompt) error {
	if prompt == nil {
		return errors.New("piv: changing the PIN needs a PIN prompt")
	}
	c, err := openCard(serial)
	if err != nil {
		return err
	}
	defer c.close()
	p := provisioner{c: c, o: ProvisionOptions{Prompt: prompt}}
	old, err := p.ask(ctx, WhyCurrentPIN)
	defer wipe(old)
	if err != nil {
		return err
	}
	next, err := p.askNew(ctx, WhyNewPIN, "PIN", []byte(pivgo.DefaultPIN))
	defer wipe(next)
	if err != nil {
		return err
	}
	if err := c.yk.SetPIN(string(old), string(next)); err != nil {
		return fmt.Errorf("piv: changing the PIN: %w", authError(c.serial, false, err))
	}
	return nil
}
