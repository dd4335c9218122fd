package lockstatus

import (
	"fmt"

	"github.com/signetbox/signet/tka"
)

// Refused is a node of a status whose signature does not verify under the
// authority: who it claims signed it is not used for anything.
type Refused struct {
	NodeKey string // as the status gives it (a claim)
	Name    string // a claim
	// Claimed is the key the signature names, nil when it names none
	// that can be read.
	Claimed tka.KeyID
	Reason  string
}

// VerifiedNodes lists the nodes of the status (the node that printed it
// and its visible peers) whose node-key signatures verify under trusted,
// the authority's state, and refuses every other entry with the reason.
// A node listed twice is kept once, with its first verified entry.
//
// NOTE(lockstatus): the status file is hostile input. Its
// NodeKeySignature fields are rebuilt into signatures and checked with
// tka's node-key verification (the same verdict as tailscale.com's), so a
// forged entry that claims a trusted key's signature is refused here and
// never reaches a re-sign batch.
func (st *Status) VerifiedNodes(trusted *tka.State) (ok []Node, refused []Refused) {
	seen := map[tka.NodeKey]bool{}
	check := func(nodeKey, name, id string, sig *Signature) {
		if sig == nil || nodeKey == "" {
			return
		}
		n, err := verifyNode(trusted, nodeKey, name, id, sig)
		if err != nil {
			refused = append(refused, Refused{NodeKey: nodeKey, Name: name, Claimed: claimedKey(sig), Reason: err.Error()})
			return
		}
		if !seen[n.NodeKey] {
			seen[n.NodeKey] = true
			ok = append(ok, n)
		}
	}
	if st.NodeKeySigned {
		check(st.NodeKey, "(the node that printed the status)", "", st.NodeKeySignature)
	}
	for _, p := range st.VisiblePeers {
		check(p.NodeKey, p.DNSName, p.ID, p.NodeKeySignature)
	}
	return ok, refused
}

func verifyNode(trusted *tka.State, nodeKey, name, id string, sig *Signature) (Node, error) {
	nk, err := tka.ParseNodeKey(nodeKey)
	if err != nil {
		return Node{}, err
	}
	raw, err := sig.Raw()
	if err != nil {
		return Node{}, err
	}
	if err := trusted.NodeKeyAuthorized(nk, raw); err != nil {
		return Node{}, fmt.Errorf("the signature does not verify under the authority: %w", err)
	}
	d, _ := tka.DecodeNodeKeySignature(raw)
	authz, _ := d.AuthorizingKeyID()
	return Node{NodeKey: nk, Name: name, ID: id, Signature: raw, Sig: d, Authorizing: authz}, nil
}

// claimedKey is the key a signature names as its signer, unverified.
func claimedKey(sig *Signature) tka.KeyID {
	d, err := sig.Decode()
	if err != nil {
		return nil
	}
	id, err := d.AuthorizingKeyID()
	if err != nil {
		return nil
	}
	return id
}
