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
	// StateID is the authority's state ID when the input was the JSON
	// status (the text status does not print it); 0 otherwise.
	StateID uint64
}

// lockedOutHeading starts the list of locked-out peers in the text
// status of a node (cmd/tailscale/cli/tailnet-lock.go).
const lockedOutHeading = "The following nodes are locked out by tailnet lock"

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
		if peers := lockedOutPeers(text); len(peers) > 0 {
			return SignLine{}, fmt.Errorf("that node is signed; it lists %d locked-out peer(s) (%s): give the status of the locked-out node itself, or sign one with 'signet sign nodekey:…'", len(peers), strings.Join(peers, ", "))
		}
		return SignLine{}, errors.New("that node is already signed ('accessible under Tailnet Lock'); nothing to do")
	case len(found) == 0:
		return SignLine{}, errors.New("no 'tailscale lock sign nodekey:… tlpub:…' line in the input; run 'tailscale lock status' on the locked-out node and give its whole output")
	case len(found) > 1:
		return SignLine{}, fmt.Errorf("the input holds %d 'tailscale lock sign' lines; give one node's status at a time", len(found))
	}
	return found[0], nil
}

// lockedOutPeers lists the node keys under the text status's locked-out
// heading (name, IPs, stable ID and node key, tab-separated), at most
// three, for an error message.
func lockedOutPeers(text string) []string {
	_, list, ok := strings.Cut(text, lockedOutHeading)
	if !ok {
		return nil
	}
	var out []string
	for _, line := range strings.Split(list, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 0 {
			break
		}
		if nk, err := tka.ParseNodeKey(f[len(f)-1]); err == nil {
			out = append(out, nk.String())
		}
	}
	if len(out) > 3 {
		out = append(out[:3], "…")
	}
	return out
}

// ParseSignInput reads what a locked-out node prints about itself: the
// text of `tailscale lock status` (see ParseText) or its JSON, whose own
// node key and tailnet-lock key are the sign line, with the authority's
// state ID.
func ParseSignInput(data []byte) (SignLine, error) {
	if !strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
		return ParseText(string(data))
	}
	st, err := ParseJSON(data)
	if err != nil {
		return SignLine{}, err
	}
	if st.NodeKeySigned {
		return SignLine{}, errors.New("the status JSON says that node is already signed (NodeKeySigned); nothing to do")
	}
	if _, err := tka.ParseNodeKey(st.NodeKey); err != nil {
		return SignLine{}, fmt.Errorf("the status JSON's NodeKey: %w", err)
	}
	l := SignLine{NodeKey: st.NodeKey, StateID: st.StateID}
	if st.PublicKey != "" {
		if _, err := tka.ParseTLPub(st.PublicKey); err != nil {
			return SignLine{}, fmt.Errorf("the status JSON's PublicKey: %w", err)
		}
		l.TLPub = st.PublicKey
	}
	return l, nil
}
