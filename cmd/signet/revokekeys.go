package main

import (
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
)

// revokeKeysArgs holds the flags of "signet revoke-keys".
type revokeKeysArgs struct {
	clientArgs
	cosign string
}

// newRevokeKeysCmd builds "signet revoke-keys".
func newRevokeKeysCmd() *cobra.Command {
	a := &revokeKeysArgs{}
	cmd := &cobra.Command{
		Use:   "revoke-keys --cosign HEX",
		Short: "Ask the daemon to co-sign a recovery AUM",
		Long: `Co-sign a recovery AUM, the hex blob that 'tailscale lock revoke-keys'
prints. The console shows which keys the recovery revokes and where it
forks. The co-signed blob is printed with the 'tailscale lock revoke-keys
--cosign' and '--finish' commands to continue.`,
		Example: `  $ signet revoke-keys --cosign A5011A...`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.cosign == "" {
				return usageErrorf("--cosign HEX is required")
			}
			return send(cmd, &a.clientArgs, &signer.Request{Kind: signer.KindCosign, AUM: a.cosign})
		},
	}
	addClientFlags(cmd, &a.clientArgs)
	cmd.Flags().StringVar(&a.cosign, "cosign", "", "the recovery AUM as `HEX`")
	return cmd
}
