package main

import (
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/request"
)

// signArgs holds the flags of "signet sign".
type signArgs struct {
	clientArgs
	deeplink   string
	fromStatus string
	claims     []string
}

// newSignCmd builds "signet sign".
func newSignCmd() *cobra.Command {
	a := &signArgs{}
	cmd := &cobra.Command{
		Use:   "sign nodekey:HEX [tlpub:HEX] | --deeplink URL|- | --from-status FILE|-",
		Short: "Ask the daemon to sign a node key (after confirmation on the console)",
		Long: `Send a node key to the running daemon for a direct signature. The request
is shown on the box's console and signed only when the operator types the
approval code shown there. The optional tlpub: is the node's own
tailnet-lock key, as 'tailscale lock status' prints it next to the node key.

With --deeplink, the tailscale://sign-device/v1/ link from the admin
console is checked against the authority (its HMAC) and its device name,
OS and login are shown on the console as unverified claims. With
--deeplink -, the link is read from standard input, as a USB QR scanner
types it.

With --from-status, the output of 'tailscale lock status' on the
locked-out node (a file, or - for standard input) is read and its
'tailscale lock sign nodekey:… tlpub:…' line is sent. The output of
'tailscale lock status --json' on that node works too, and carries the
tailnet's state ID: the daemon refuses it if it is another tailnet's.

The keys and the link are checked before anything is sent (a mistake is
a usage error, exit status 2). signet says "waiting for confirmation on
the signet console" only once the daemon has queued the request; a node
this box signed before is answered at once. A pre-auth key (tskey-…) is
not a node key: it is refused without being sent or shown; pre-sign one
with 'signet wrap-authkey' instead.`,
		Example: `  $ signet sign nodekey:9f3b... tlpub:5c1e...
  $ signet sign --deeplink 'tailscale://sign-device/v1/?nk=...'
  $ signet sign --deeplink -        # scan the QR code now
  $ ssh new-node tailscale lock status | signet sign --from-status -
  $ ssh new-node tailscale lock status --json | signet sign --from-status -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if a.deeplink != "" && a.fromStatus != "" {
				return usageErrorf("give either --deeplink or --from-status, not both")
			}
			if (a.deeplink != "" || a.fromStatus != "") && len(args) > 0 {
				return usageErrorf("give either --deeplink, --from-status or a node key, not two of them")
			}
			if a.deeplink == "" && a.fromStatus == "" && (len(args) < 1 || len(args) > 2) {
				return usageErrorf("want nodekey:HEX and an optional tlpub:HEX, --deeplink URL or --from-status FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := request.SignNode(request.SignInput{Args: args, Deeplink: a.deeplink, FromStatus: a.fromStatus, Claims: a.claims, Stdin: cmd.InOrStdin()})
			if err != nil {
				return refuseSecret(err)
			}
			return send(cmd, &a.clientArgs, req)
		},
	}
	addClientFlags(cmd, &a.clientArgs)
	cmd.Flags().StringVar(&a.deeplink, "deeplink", "", "a tailscale://sign-device/v1/ `URL`, or - to read it from standard input (a QR scanner)")
	cmd.Flags().StringVar(&a.fromStatus, "from-status", "", "`FILE` (or -) holding the output of 'tailscale lock status' (or --json) on the locked-out node")
	cmd.Flags().StringArrayVar(&a.claims, "claim", nil, "an unverified label shown on the console, as `name=value` (device, os, login)")
	return cmd
}
