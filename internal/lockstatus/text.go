package lockstatus

import (
	"errors"
	"fmt"
	"strings"

	"github.com/signetbox/signet/tka"
)

// SignLine is the node key and tailnet-lock key a locked-out node asks to
// be signed with: `tailscale lock sign nodekey:… tlpub:…`.
type SignLine struct {
	NodeKey string
	TLPub   string
}

// ParseText finds the `tailscale lock sign` line in the text output of
// `tailscale lock status` on a locked-out node. Status output with a JSON
// object is read as JSON instead.
func ParseText(text string) (SignLine, error) {
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		return SignLine{}, errors.New("this is the JSON status; for one node give the text of 'tailscale lock status', or use 'signet approve --status-json'")
	}
	var found []SignLine
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[0] != "tailscale" || f[1] != "lock" || f[2] != "sign" {
			continue
		}
		l := SignLine{NodeKey: f[3]}
		if len(f) > 4 {
			l.TLPub = f[4]
		}
		if _, err := tka.ParseNodeKey(l.NodeKey); err != nil {
			return SignLine{}, fmt.Errorf("the lock sign line: %w", err)
		}
		if l.TLPub != "" {
			if _, err := tka.ParseTLPub(l.TLPub); err != nil {
				return SignLine{}, fmt.Errorf("the lock sign line: %w", err)
			}
		}
		found = append(found, l)
	}
	switch {
	case len(found) == 0 && strings.Contains(text, "accessible under Tailnet Lock"):
		return SignLine{}, errors.New("that node is already signed ('accessible under Tailnet Lock'); nothing to do")
	case len(found) == 0:
		return SignLine{}, errors.New("no 'tailscale lock sign nodekey:… tlpub:…' line in the input; run 'tailscale lock status' on the locked-out node and give its whole output")
	case len(found) > 1:
		return SignLine{}, fmt.Errorf("the input holds %d 'tailscale lock sign' lines; give one node's status at a time", len(found))
	}
	return found[0], nil
}
