package keysetup

import (
	"context"
	"strings"

	"github.com/signetbox/signet/hsm/piv"
)

// Console is the terminal secrets are typed on and shown once on. The
// CLI gives a *terminal.Line; it must be the terminal itself, never a
// pipe or a file.
type Console interface {
	// Printf shows a message.
	Printf(format string, args ...any)
	// ReadSecret shows prompt and reads one line with echo off; the
	// caller wipes the result.
	ReadSecret(ctx context.Context, prompt string) ([]byte, error)
	// ReadNewSecret reads a new secret (what names it) twice and fails
	// when the two differ; the caller wipes the result.
	ReadNewSecret(ctx context.Context, what string) ([]byte, error)
	// ConfirmWord asks question and fails unless word is typed.
	ConfirmWord(ctx context.Context, question, word string) error
	// ShowOnce shows secret, which what names, once.
	ShowOnce(what string, secret []byte)
	// Close gives the terminal back.
	Close() error
}

// Prompt answers a backend's PIN questions (hsm.PINPrompt) on a Console.
// It caches nothing, so a refused PIN is never replayed.
type Prompt struct {
	// Con is where the questions are asked.
	Con Console
	// Noun is "PIN" or "passphrase", for questions that do not say.
	Noun string
}

// PIN asks on the console; new PINs, PUKs and passphrases are typed twice.
func (p *Prompt) PIN(ctx context.Context, why string) ([]byte, error) {
	switch {
	case why == piv.WhyNewPIN:
		return p.Con.ReadNewSecret(ctx, "PIN (6 to 8 characters)")
	case why == piv.WhyNewPUK:
		return p.Con.ReadNewSecret(ctx, "PUK (6 to 8 characters)")
	case strings.HasPrefix(why, "set the passphrase"):
		return p.Con.ReadNewSecret(ctx, p.Noun)
	case strings.HasPrefix(why, "current ") || why == piv.WhyPUK:
		return p.Con.ReadSecret(ctx, "Type the "+why+": ")
	}
	return p.Con.ReadSecret(ctx, p.Noun+" to "+why+": ")
}

// Touch tells the operator that the YubiKey waits for a touch
// (piv.TouchNotifier).
func (p *Prompt) Touch(msg string) {
	p.Con.Printf("%s\n", msg)
}
