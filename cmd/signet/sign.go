package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/tka"
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
			req, err := a.request(cmd, args)
			if err != nil {
				return err
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

// request builds the sign-node request from the arguments, the deeplink
// or the status output.
func (a *signArgs) request(cmd *cobra.Command, args []string) (*api.Request, error) {
	claims, err := parseClaims(a.claims)
	if err != nil {
		return nil, err
	}
	req := &api.Request{Kind: api.KindSignNode, Claims: claims}
	switch {
	case a.deeplink == "-":
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if req.Deeplink = strings.TrimSpace(line); req.Deeplink == "" {
			return nil, usageErr(fmt.Errorf("no deeplink on standard input: %w", err))
		}
		if api.LooksLikeSecret(req.Deeplink) {
			return nil, usageErr(withHint(errSecretInput, secretHints...))
		}
		return req, checkDeeplink(req.Deeplink)
	case a.deeplink != "":
		req.Deeplink = strings.TrimSpace(a.deeplink)
		return req, checkDeeplink(req.Deeplink)
	case a.fromStatus != "":
		b, err := readInput(cmd, a.fromStatus, "--from-status")
		if err != nil {
			return nil, err
		}
		if api.LooksLikeSecret(string(b)) {
			return nil, usageErr(withHint(errSecretInput, secretHints...))
		}
		l, err := lockstatus.ParseSignInput(b)
		if err != nil {
			return nil, fmt.Errorf("--from-status: %w", err)
		}
		req.NodeKey, req.TLPub, req.StateID = l.NodeKey, l.TLPub, l.StateID
	default:
		req.NodeKey = args[0]
		if len(args) > 1 {
			req.TLPub = args[1]
		}
	}
	return req, checkNode(req.NodeKey, req.TLPub)
}

// checkNode refuses a malformed node key or tailnet-lock key before
// anything is sent.
func checkNode(nodeKey, tlpub string) error {
	if _, err := tka.ParseNodeKey(nodeKey); err != nil {
		return usageErr(withHint(err, "copy the node key from 'tailscale lock status' on the node: nodekey: and 64 hex digits"))
	}
	if tlpub == "" {
		return nil
	}
	if _, err := tka.ParseTLPub(tlpub); err != nil {
		return usageErr(withHint(fmt.Errorf("the node's tailnet-lock key: %w", err), "it is the tlpub: that 'tailscale lock status' on the node prints after its node key"))
	}
	return nil
}

// checkDeeplink refuses a link that is no sign-device link before it is
// sent; the daemon checks its HMAC against the authority.
func checkDeeplink(link string) error {
	d, _, err := tka.ParseDeeplink(link)
	if err != nil {
		return usageErr(withHint(err, "copy the whole tailscale://sign-device/v1/ link from the admin console"))
	}
	return checkNode(d.NodeKey, d.TLPub)
}
