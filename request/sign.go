package request

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/tka"
)

// SignInput is what 'signet sign' was given: a node key in Args, a
// Deeplink, or FromStatus; and Claims.
type SignInput struct {
	// Args are nodekey:HEX and an optional tlpub:HEX.
	Args []string
	// Deeplink is a tailscale://sign-device/v1/ link, or "-" for the
	// first line of Stdin (a QR scanner types it).
	Deeplink string
	// FromStatus is a file, or "-" for Stdin, holding the output of
	// 'tailscale lock status' (or --json) on the node.
	FromStatus string
	// Claims are unverified labels, name=value.
	Claims []string
	// Stdin is standard input.
	Stdin io.Reader
}

// SignNode builds the sign-node request of in and checks its keys and
// link before anything is sent.
func SignNode(in SignInput) (*api.Request, error) {
	claims, err := ParseClaims(in.Claims)
	if err != nil {
		return nil, err
	}
	req := &api.Request{Kind: api.KindSignNode, Claims: claims}
	switch {
	case in.Deeplink == "-":
		line, err := bufio.NewReader(in.Stdin).ReadString('\n')
		if req.Deeplink = strings.TrimSpace(line); req.Deeplink == "" {
			return nil, cli.Usage(fmt.Errorf("no deeplink on standard input: %w", err))
		}
		if api.LooksLikeSecret(req.Deeplink) {
			return nil, api.ErrSecretOutsideAuthKey
		}
		return req, CheckDeeplink(req.Deeplink)
	case in.Deeplink != "":
		req.Deeplink = strings.TrimSpace(in.Deeplink)
		return req, CheckDeeplink(req.Deeplink)
	case in.FromStatus != "":
		b, err := cli.ReadInput(in.Stdin, in.FromStatus, "--from-status")
		if err != nil {
			return nil, err
		}
		if api.LooksLikeSecret(string(b)) {
			return nil, api.ErrSecretOutsideAuthKey
		}
		l, err := lockstatus.ParseSignInput(b)
		if err != nil {
			return nil, fmt.Errorf("--from-status: %w", err)
		}
		req.NodeKey, req.TLPub, req.StateID = l.NodeKey, l.TLPub, l.StateID
	default:
		req.NodeKey = in.Args[0]
		if len(in.Args) > 1 {
			req.TLPub = in.Args[1]
		}
	}
	return req, CheckNode(req.NodeKey, req.TLPub)
}

// CheckNode refuses a malformed node key or tailnet-lock key (tlpub may
// be empty) before anything is sent.
func CheckNode(nodeKey, tlpub string) error {
	if _, err := tka.ParseNodeKey(nodeKey); err != nil {
		return cli.Usage(cli.WithHint(err, "copy the node key from 'tailscale lock status' on the node: nodekey: and 64 hex digits"))
	}
	if tlpub == "" {
		return nil
	}
	if _, err := tka.ParseTLPub(tlpub); err != nil {
		return cli.Usage(cli.WithHint(fmt.Errorf("the node's tailnet-lock key: %w", err), "it is the tlpub: that 'tailscale lock status' on the node prints after its node key"))
	}
	return nil
}

// CheckDeeplink refuses a link that is no sign-device link, or names a
// malformed key, before it is sent; the daemon checks its HMAC against
// the authority.
func CheckDeeplink(link string) error {
	d, _, err := tka.ParseDeeplink(link)
	if err != nil {
		return cli.Usage(cli.WithHint(err, "copy the whole tailscale://sign-device/v1/ link from the admin console"))
	}
	return CheckNode(d.NodeKey, d.TLPub)
}

// ParseClaims turns --claim name=value flags into a map; none is nil.
func ParseClaims(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, c := range list {
		k, v, ok := strings.Cut(c, "=")
		if !ok || k == "" {
			return nil, cli.Usagef("--claim %q must be name=value", c)
		}
		out[k] = v
	}
	return out, nil
}
