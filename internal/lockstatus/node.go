package lockstatus

import (
	"fmt"

	"github.com/signetbox/signet/tka"
)

// Node is a node of the tailnet with the signature that authorizes it, as
// one status lists it (the node itself and its visible peers).
type Node struct {
	NodeKey tka.NodeKey
	Name    string // DNS name: a claim
	ID      string // stable node ID: a claim
	// Signature is the serialized node-key signature.
	Signature []byte
	// Sig is Signature decoded.
	Sig *tka.NodeKeySignature
	// Authorizing is the trusted key the signature chains to.
	Authorizing tka.KeyID
}

// SignedNodes lists every node of the status that carries a signature:
// the node that printed it and its visible peers. A signature that cannot
// be rebuilt or names no authorizing key is an error naming the node.
func (st *Status) SignedNodes() ([]Node, error) {
	var out []Node
	seen := map[tka.NodeKey]bool{}
	add := func(nodeKey, name, id string, sig *Signature) error {
		if sig == nil || nodeKey == "" {
			return nil
		}
		nk, err := tka.ParseNodeKey(nodeKey)
		if err != nil {
			return err
		}
		if seen[nk] {
			return nil
		}
		seen[nk] = true
		raw, err := sig.Raw()
		if err != nil {
			return fmt.Errorf("node %s: %w", nk, err)
		}
		d, _ := tka.DecodeNodeKeySignature(raw)
		authz, err := d.AuthorizingKeyID()
		if err != nil {
			return fmt.Errorf("node %s: %w", nk, err)
		}
		out = append(out, Node{NodeKey: nk, Name: name, ID: id, Signature: raw, Sig: d, Authorizing: authz})
		return nil
	}
	if st.NodeKeySigned {
		if err := add(st.NodeKey, "(the node that printed the status)", "", st.NodeKeySignature); err != nil {
			return nil, err
		}
	}
	for _, p := range st.VisiblePeers {
		if err := add(p.NodeKey, p.DNSName, p.ID, p.NodeKeySignature); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LockedOut lists the filtered peers: nodes locked out by Tailnet Lock.
func (st *Status) LockedOut() ([]Peer, error) {
	for i, p := range st.FilteredPeers {
		if _, err := tka.ParseNodeKey(p.NodeKey); err != nil {
			return nil, fmt.Errorf("FilteredPeers[%d]: %w", i, err)
		}
	}
	return st.FilteredPeers, nil
}
