package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
)

// signArgs holds the flags of "signet sign".
type signArgs struct {
	clientArgs
	deeplink string
	claims   []string
}

// newSignCmd builds "signet sign".
func newSignCmd() *cobra.Command {
	a := &signArgs{}
	cmd := &cobra.Command{
		Use:   "sign nodekey:HEX [tlpub:HEX] | --deeplink URL",
		Short: "Ask the daemon to sign a node key (after confirmation on the console)",
		Long: `Send a node key to the running daemon for a direct signature. The request
is shown on the box's console and signed only when the operator types the
approval code shown there. The optional tlpub: is the node's own
tailnet-lock key, as 'tailscale lock status' prints it next to the node key.

With --deeplink, the tailscale://sign-device/v1/ link from the admin
console is checked against the authority (its HMAC) and its device name,
OS and login are shown on the console as unverified claims.`,
		Example: `  $ signet sign nodekey:9f3b... tlpub:5c1e...
  $ signet sign --deeplink 'tailscale://sign-device/v1/?nk=...'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if a.deeplink != "" && len(args) > 0 {
				return usageErrorf("give either --deeplink or a node key, not both")
			}
			if a.deeplink == "" && (len(args) < 1 || len(args) > 2) {
				return usageErrorf("want nodekey:HEX and an optional tlpub:HEX, or --deeplink URL")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			claims, err := parseClaims(a.claims)
			if err != nil {
				return err
			}
			req := &signer.Request{Kind: signer.KindSignNode, Deeplink: strings.TrimSpace(a.deeplink), Claims: claims}
			if len(args) > 0 {
				req.NodeKey = args[0]
			}
			if len(args) > 1 {
				req.TLPub = args[1]
			}
			return send(cmd, &a.clientArgs, req)
		},
	}
	addClientFlags(cmd, &a.clientArgs)
	cmd.Flags().StringVar(&a.deeplink, "deeplink", "", "a tailscale://sign-device/v1/ `URL`")
	cmd.Flags().StringArrayVar(&a.claims, "claim", nil, "an unverified label shown on the console, as `name=value` (device, os, login)")
	return cmd
}
