package main

// Rules for this file: a Tailscale secret (tskey-…) typed where signet
// expects a node key, a key or a label is refused before anything is
// parsed, sent or journaled, and no message repeats it. `tailscale lock
// sign` users type `signet sign tskey-auth-…` by habit; the only verb that
// takes a pre-auth key reads it from standard input (wrap-authkey).

import (
	"errors"

	"github.com/signetbox/signet/api"
)

// errSecretArg is the one line printed for a secret on the command line.
var errSecretArg = errors.New("a command-line argument holds a Tailscale secret (tskey-...); signet did not use, send or show it")

// secretHints are the next steps after a secret was typed in the open.
var secretHints = []string{
	"to pre-sign a pre-auth key, pipe it in: signet wrap-authkey < authkey.txt",
	"the key is in your shell history now: delete that line (bash: history -d OFFSET, then history -w) and revoke the key in the admin console if other users of this machine could see it",
}

// refuseSecretArgs refuses a command line that carries a Tailscale
// secret, whatever the verb: cobra echoes arguments in its own errors.
func refuseSecretArgs(args []string) error {
	for _, a := range args {
		if api.LooksLikeSecret(a) {
			return usageErr(withHint(errSecretArg, secretHints...))
		}
	}
	return nil
}

// errSecretInput refuses a request whose input (standard input, a status
// file) put a secret where the daemon would show or journal it.
var errSecretInput = errors.New("the request would carry a Tailscale secret (tskey-...) outside a wrap-authkey request; signet did not send or show it")
