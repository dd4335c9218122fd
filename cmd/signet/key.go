package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newKeyCmd builds "signet key", the parent of the verbs that make and
// inspect the signing key.
func newKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key VERB [flags]",
		Short: "Make, inspect and unlock the signing key",
		Long: `Make the Tailnet Lock signing key in a TPM 2.0 (tpm), a YubiKey PIV slot
(piv) or, for development only, a passphrase-protected file (soft), and
inspect it.

The state directory (the global --state, default /var/lib/signet) keeps the key URI
(key.uri), the public key (key.pub) and the attestation (attestation.json).
PINs, PUKs, passphrases and lockout secrets are typed on the console and
are never stored there, nor taken from flags or the environment.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr(withHint(errNoKeyVerb, "run 'signet key --help' to list them"))
		},
	}
	for _, sub := range []func() *cobra.Command{
		newKeyInitCmd, newKeyShowCmd, newKeyAttestCmd, newKeyChangePINCmd, newKeyResetLockoutCmd,
	} {
		cmd.AddCommand(sub())
	}
	return cmd
}

// errNoKeyVerb is a bare "signet key".
var errNoKeyVerb = errors.New("signet key needs a verb: init, show, attest, change-pin or reset-lockout")
