package main

import (
	"bufio"
	"errors"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/spf13/cobra"
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
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			key := strings.TrimSpace(line)
			switch {
			case key == "" && err != nil:
				return usageErr(errors.New("no pre-auth key on standard input; pipe it in, e.g. signet wrap-authkey < authkey.txt"))
			case !strings.HasPrefix(key, "tskey-"):
				return usageErr(errors.New("standard input holds no pre-auth key: it must start with tskey- (the input is not shown)"))
			case strings.Contains(key, "--TL"):
				return usageErr(errors.New("that pre-auth key is wrapped already: wrap the plain tskey-auth- key (the input is not shown)"))
			}
			return send(cmd, a, &api.Request{Kind: api.KindWrapAuthKey, AuthKey: key})
		},
	}
	addClientFlags(cmd, a)
	return cmd
}
