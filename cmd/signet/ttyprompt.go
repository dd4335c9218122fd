package main

import (
	"context"
	"errors"
	"strings"

	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/terminal"
)

// openConsole opens the terminal a person types secrets on
// (terminal.OpenLine), with the hint that nothing else is read.
func openConsole() (*terminal.Line, error) {
	con, err := terminal.OpenLine()
	if errors.Is(err, terminal.ErrNoTerminal) {
		return nil, withHint(err, "secrets are never read from flags, the environment or a pipe")
	}
	return con, err
}

// ttyPrompt answers a backend's PIN questions (hsm.PINPrompt) on the
// console. It caches nothing, so a refused PIN is never replayed.
type ttyPrompt struct {
	con  *terminal.Line
	noun string // "PIN" or "passphrase", for questions that do not say
}

// PIN asks on the console; new PINs, PUKs and passphrases are typed twice.
func (p *ttyPrompt) PIN(ctx context.Context, why string) ([]byte, error) {
	switch {
	case why == piv.WhyNewPIN:
		return p.con.ReadNewSecret(ctx, "PIN (6 to 8 characters)")
	case why == piv.WhyNewPUK:
		return p.con.ReadNewSecret(ctx, "PUK (6 to 8 characters)")
	case strings.HasPrefix(why, "set the passphrase"):
		return p.con.ReadNewSecret(ctx, p.noun)
	case strings.HasPrefix(why, "current ") || why == piv.WhyPUK:
		return p.con.ReadSecret(ctx, "Type the "+why+": ")
	}
	return p.con.ReadSecret(ctx, p.noun+" to "+why+": ")
}

// Touch tells the operator that the YubiKey waits for a touch
// (piv.TouchNotifier).
func (p *ttyPrompt) Touch(msg string) {
	p.con.Printf("%s\n", msg)
}
