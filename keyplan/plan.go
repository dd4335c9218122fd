package keyplan

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/tka"
)

// Plan is what a rotation or revocation does, computed from the daemon's
// authority and a status JSON.
type Plan struct {
	Box    ed25519.PublicKey // the box's own key
	Add    ed25519.PublicKey // nil: nothing to add (or already trusted)
	Votes  uint              // of the added key
	Remove ed25519.PublicKey
	// Resign are the nodes to re-sign with the box's key.
	Resign []lockstatus.Node
	// Left are nodes signed by the removed key that will not be re-signed
	// (the revoked device, or --exclude).
	Left []lockstatus.Node
	// Refused are entries of the status whose signatures do not verify
	// under the authority: never re-signed, listed for the operator.
	Refused []lockstatus.Refused
	Before  []string // trusted keys before, tlpub:
	After   []string // trusted keys after, tlpub:
	// Rails are the safety rails the plan breaks.
	Rails []string
	// Handoff is set when the box's own key is removed: the re-sign and
	// the removal must be done by the added key's holder.
	Handoff bool
}

// Input is what a plan is computed from.
type Input struct {
	Info   *api.StatusInfo    // the daemon's status: box key, trusted keys
	Status *lockstatus.Status // 'tailscale lock status --json' of a node
	Add    string             // tlpub:HEX[?VOTES], optional
	Remove string             // tlpub:HEX
	// Exclude are nodes signed by the removed key not to re-sign.
	Exclude map[tka.NodeKey]bool
	// Intended are the excluded nodes the operator means to leave
	// unsigned (the revoked device); any other node left unsigned breaks
	// a safety rail.
	Intended map[tka.NodeKey]bool
}

// Build computes the plan. Errors in Add and Remove are usage errors.
func Build(in Input) (*Plan, error) {
	trusted, err := TrustedState(in.Info)
	if err != nil {
		return nil, err
	}
	p := &Plan{Before: in.Info.Keys}
	if p.Box, err = tka.ParseTLPub(in.Info.BoxKey); err != nil {
		return nil, fmt.Errorf("the daemon's box key: %w", err)
	}
	if p.Remove, err = tka.ParseTLPub(in.Remove); err != nil {
		return nil, cli.Usage(fmt.Errorf("--remove: %w", err))
	}
	if !trusted.Trusts(p.Remove) {
		return nil, fmt.Errorf("%s is not a trusted key of the authority; nothing to remove", tka.FormatTLPub(p.Remove))
	}
	p.After = append([]string(nil), in.Info.Keys...)
	if in.Add != "" {
		k, err := tka.ParseKeyArg(in.Add)
		if err != nil {
			return nil, cli.Usage(fmt.Errorf("--add: %w", err))
		}
		pub := ed25519.PublicKey(k.Public)
		if pub.Equal(p.Remove) {
			return nil, cli.Usage(errors.New("--add and --remove name the same key"))
		}
		if !trusted.Trusts(pub) {
			p.Add, p.Votes = pub, max(k.Votes, 1)
			p.After = append(p.After, tka.FormatTLPub(pub))
		}
	}
	p.After = without(p.After, tka.FormatTLPub(p.Remove))
	p.Handoff = p.Box.Equal(p.Remove)
	p.sortNodes(in, trusted)
	p.checkRails(in.Intended)
	return p, nil
}

// sortNodes splits the status's nodes signed by the removed key into
// those to re-sign and those left unsigned. Only nodes whose signatures
// verify under the daemon's authority count; the others are refused.
func (p *Plan) sortNodes(in Input, trusted *tka.State) {
	nodes, refused := in.Status.VerifiedNodes(trusted)
	p.Refused = refused
	for _, n := range nodes {
		if !bytes.Equal(n.Authorizing, p.Remove) {
			continue
		}
		if in.Exclude[n.NodeKey] {
			p.Left = append(p.Left, n)
		} else {
			p.Resign = append(p.Resign, n)
		}
	}
}

// TrustedState is the authority's trusted keys as the daemon reports
// them, for verifying node-key signatures and testing membership.
func TrustedState(info *api.StatusInfo) (*tka.State, error) {
	if len(info.Votes) != len(info.Keys) {
		return nil, fmt.Errorf("the daemon's status lists %d keys and %d votes", len(info.Keys), len(info.Votes))
	}
	st := &tka.State{}
	for i, k := range info.Keys {
		pub, err := tka.ParseTLPub(k)
		if err != nil {
			return nil, fmt.Errorf("the daemon's trusted key %d: %w", i, err)
		}
		st.Keys = append(st.Keys, tka.NewEd25519Key(pub, info.Votes[i]))
	}
	return st, nil
}

func without(keys []string, drop string) []string {
	var out []string
	for _, k := range keys {
		if k != drop {
			out = append(out, k)
		}
	}
	return out
}
