package main

// The plan shared by "signet rotate" and "signet revoke-device": add a
// key, re-sign with the box's key every node whose signature chains to a
// key being removed, then remove that key. Nothing here signs; the daemon
// reviews and signs each step.

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// keyPlan is what a rotation or revocation does, computed from the
// daemon's authority and a status JSON.
type keyPlan struct {
	box    ed25519.PublicKey
	add    ed25519.PublicKey // nil: nothing to add (or already trusted)
	votes  uint              // of the added key
	remove ed25519.PublicKey
	// resign are the nodes to re-sign with the box's key.
	resign []lockstatus.Node
	// left are nodes signed by the removed key that will not be re-signed
	// (the revoked device, or --exclude).
	left []lockstatus.Node
	// refused are entries of the status whose signatures do not verify
	// under the authority: never re-signed, listed for the operator.
	refused []lockstatus.Refused
	before  []string // trusted keys before
	after   []string // trusted keys after
	// rails are the safety rails the plan breaks.
	rails []string
	// handoff: the box's own key is removed, so the re-sign and removal
	// must be done by the added key's holder.
	handoff bool
}

// planInput is what a plan is computed from.
type planInput struct {
	info    *signer.StatusInfo
	status  *lockstatus.Status
	add     string // tlpub:, optional
	remove  string // tlpub:
	exclude map[tka.NodeKey]bool
}

func buildKeyPlan(in planInput) (*keyPlan, error) {
	p := &keyPlan{before: in.info.Keys}
	var err error
	if p.box, err = tka.ParseTLPub(in.info.BoxKey); err != nil {
		return nil, fmt.Errorf("the daemon's box key: %w", err)
	}
	if p.remove, err = tka.ParseTLPub(in.remove); err != nil {
		return nil, usageErr(fmt.Errorf("--remove: %w", err))
	}
	if !trusted(in.info.Keys, p.remove) {
		return nil, fmt.Errorf("%s is not a trusted key of the authority; nothing to remove", tka.FormatTLPub(p.remove))
	}
	p.after = append([]string(nil), in.info.Keys...)
	if in.add != "" {
		k, err := tka.ParseKeyArg(in.add)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--add: %w", err))
		}
		pub := ed25519.PublicKey(k.Public)
		if pub.Equal(p.remove) {
			return nil, usageErr(errors.New("--add and --remove name the same key"))
		}
		if !trusted(in.info.Keys, pub) {
			p.add, p.votes = pub, max(k.Votes, 1)
			p.after = append(p.after, tka.FormatTLPub(pub))
		}
	}
	p.after = without(p.after, tka.FormatTLPub(p.remove))
	p.handoff = p.box.Equal(p.remove)
	if err := p.sortNodes(in); err != nil {
		return nil, err
	}
	p.checkRails()
	return p, nil
}

// sortNodes splits the status's nodes signed by the removed key into
// those to re-sign and those left unsigned. Only nodes whose signatures
// verify under the daemon's authority count; the others are refused.
func (p *keyPlan) sortNodes(in planInput) error {
	trusted, err := trustedState(in.info)
	if err != nil {
		return err
	}
	nodes, refused := in.status.VerifiedNodes(trusted)
	p.refused = refused
	for _, n := range nodes {
		if !bytes.Equal(n.Authorizing, p.remove) {
			continue
		}
		if in.exclude[n.NodeKey] {
			p.left = append(p.left, n)
		} else {
			p.resign = append(p.resign, n)
		}
	}
	return nil
}

// trustedState is the authority's trusted keys as the daemon reports
// them, for verifying node-key signatures.
func trustedState(info *signer.StatusInfo) (*tka.State, error) {
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

func (p *keyPlan) checkRails() {
	if p.handoff {
		// Nothing is removed from this box: the holder of the new key
		// plans (and is checked) again.
		return
	}
	if len(p.after) < 2 {
		p.rails = append(p.rails, fmt.Sprintf("the plan leaves the authority with %d trusted key(s); keep at least two", len(p.after)))
	}
}

// unsignedRail names nodes left unsigned that the operator did not mean
// to revoke.
func (p *keyPlan) unsignedRail(intended map[tka.NodeKey]bool) string {
	if p.handoff {
		return ""
	}
	var n int
	for _, l := range p.left {
		if !intended[l.NodeKey] {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d node(s) signed by the removed key would be left unsigned", n)
}

// batch is the re-sign request: direct signatures by the box's key,
// keeping each node's own tailnet-lock key (its rotation key).
func (p *keyPlan) batch() *signer.Request {
	req := &signer.Request{Kind: signer.KindBatch}
	for _, n := range p.resign {
		bn := signer.BatchNode{NodeKey: n.NodeKey.String(), Claims: map[string]string{"device": strings.TrimSuffix(n.Name, "."), "re-sign": "was signed by the removed key"}}
		if rot, ok := n.Sig.WrappingPublic(); ok && len(rot) == ed25519.PublicKeySize {
			bn.TLPub = tka.FormatTLPub(rot)
		}
		req.Nodes = append(req.Nodes, bn)
	}
	return req
}

// print writes the plan, one step per line, for the operator.
func (p *keyPlan) print(w io.Writer) {
	fmt.Fprintf(w, "box key:       %s\n", tka.FormatTLPub(p.box))
	fmt.Fprintf(w, "trusted keys:  %d before, %d after\n", len(p.before), len(p.after))
	step := 1
	if p.add != nil {
		fmt.Fprintf(w, "step %d: add-key AUM: adds %s\n", step, tka.FormatTLPub(p.add))
		step++
	}
	if p.handoff {
		fmt.Fprintf(w, "then, on the box holding the added key: signet rotate execute --status-json FILE --remove %s\n", tka.FormatTLPub(p.remove))
		fmt.Fprintf(w, "  (this box's key is the one removed: it cannot re-sign nodes with it)\n")
	} else {
		fmt.Fprintf(w, "step %d: re-sign batch: %d node(s) signed by %s get a direct signature by the box key\n", step, len(p.resign), tka.FormatTLPub(p.remove))
		for _, n := range p.resign {
			fmt.Fprintf(w, "  re-sign %s  %s\n", n.NodeKey, plain(n.Name))
		}
		step++
		fmt.Fprintf(w, "step %d: remove-key AUM: removes %s\n", step, tka.FormatTLPub(p.remove))
	}
	for _, n := range p.left {
		fmt.Fprintf(w, "  left unsigned: %s  %s\n", n.NodeKey, plain(n.Name))
	}
	if len(p.refused) > 0 {
		fmt.Fprintf(w, "refused: %d node(s) of the status whose signature does not verify under the authority; they are never re-signed\n", len(p.refused))
	}
	for _, r := range p.refused {
		fmt.Fprintf(w, "  refused %s  %s: %s\n", plain(r.NodeKey), plain(r.Name), plain(r.Reason))
	}
	for _, r := range p.rails {
		fmt.Fprintf(w, "SAFETY RAIL: %s\n", r)
	}
}

func trusted(keys []string, pub ed25519.PublicKey) bool {
	for _, k := range keys {
		if k == tka.FormatTLPub(pub) {
			return true
		}
	}
	return false
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
