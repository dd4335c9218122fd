package main

import (
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/request"
)

// newWrapAuthKeyCmd builds "signet wrap-authkey".
func newWrapAuthKeyCmd() *cobra.Command {
	a := &clientArgs{}
	cmd := &cobra.Command{
		Use:   "wrap-authkey < KEYFILE",
		Short: "Ask the daemon to pre-sign a pre-auth key, so a new device joins already signed",
		Long: `Read a pre-auth key (tskey-auth-...) from standard input, never from the
command line where other users could see it, and ask the daemon to wrap
it with a credential signed by the box's key. The console shows only the
key's non-secret prefix. The wrapped key is printed once: it is a secret.`,
		Example: `  $ signet wrap-authkey < authkey.txt`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := request.WrapAuthKey(cmd.InOrStdin())
			if err != nil {
				return err
			}
			return send(cmd, a, req)
		},
	}
	addClientFlags(cmd, a)
	return cmd
}
