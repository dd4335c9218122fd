package main

import (
	"context"
	"strings"

	"github.com/signetbox/signet/hsm/piv"
)

// ttyPrompt answers a backend's PIN questions (hsm.PINPrompt) on the
// console. It caches nothing, so a refused PIN is never replayed.
type ttyPrompt struct {
	con  *console
	noun string // "PIN" or "passphrase", for questions that do not say
}

// PIN asks on the console; new PINs, PUKs and passphrases are typed twice.
func (p *ttyPrompt) PIN(ctx context.Context, why string) ([]byte, error) {
	switch {
	case why == piv.WhyNewPIN:
		return p.con.readNewSecret(ctx, "PIN (6 to 8 characters)")
	case why == piv.WhyNewPUK:
		return p.con.readNewSecret(ctx, "PUK (6 to 8 characters)")
	case strings.HasPrefix(why, "set the passphrase"):
		return p.con.readNewSecret(ctx, p.noun)
	case strings.HasPrefix(why, "current ") || why == piv.WhyPUK:
		return p.con.readSecret(ctx, "Type the "+why+": ")
	}
	return p.con.readSecret(ctx, p.noun+" to "+why+": ")
}

// Touch tells the operator that the YubiKey waits for a touch
// (piv.TouchNotifier).
func (p *ttyPrompt) Touch(msg string) {
	p.con.printf("%s\n", msg)
}
