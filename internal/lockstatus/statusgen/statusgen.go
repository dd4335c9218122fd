// Package statusgen writes `tailscale lock status --json` documents with
// tailscale.com's own printer, for tests. It imports tailscale.com and is
// never linked into the signet binary.
package statusgen

import (
	"bytes"
	"fmt"
	"net/netip"

	"go4.org/mem"
	"tailscale.com/cmd/tailscale/cli/jsonoutput"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/tailcfg"
	tstka "tailscale.com/tka"
	"tailscale.com/types/key"
)

// Node is one node of a generated status.
type Node struct {
	NodeKey [32]byte
	Name    string
	// Signature is the serialized node-key signature (nil for a
	// locked-out node).
	Signature []byte
}

// Spec describes a status to print.
type Spec struct {
	StateID     uint64
	Head        [32]byte
	TrustedKeys [][]byte // Ed25519 public keys
	Votes       []uint   // per key; 1 when missing
	Self        Node     // the node that prints the status
	SelfTLPub   []byte   // its tailnet-lock key
	Visible     []Node   // signed peers
	Filtered    []Node   // locked-out peers
}

// JSON prints spec as `tailscale lock status --json` would.
func JSON(spec Spec) ([]byte, error) {
	st := &ipnstate.TailnetLockStatus{Enabled: true, StateID: spec.StateID}
	head := spec.Head
	st.Head = &head
	if spec.SelfTLPub != nil {
		st.PublicKey = key.NLPublicFromEd25519Unsafe(spec.SelfTLPub)
	}
	self := key.NodePublicFromRaw32(mem.B(spec.Self.NodeKey[:]))
	st.NodeKey = &self
	if spec.Self.Signature != nil {
		var sig tstka.NodeKeySignature
		if err := sig.Unserialize(spec.Self.Signature); err != nil {
			return nil, fmt.Errorf("self signature: %w", err)
		}
		st.NodeKeySigned, st.NodeKeySignature = true, &sig
	}
	for i, k := range spec.TrustedKeys {
		votes := uint(1)
		if i < len(spec.Votes) {
			votes = spec.Votes[i]
		}
		st.TrustedKeys = append(st.TrustedKeys, ipnstate.TKAKey{Kind: "25519", Key: key.NLPublicFromEd25519Unsafe(k), Votes: votes})
	}
	for i, n := range spec.Visible {
		p, err := peer(i, n)
		if err != nil {
			return nil, err
		}
		st.VisiblePeers = append(st.VisiblePeers, p)
	}
	for i, n := range spec.Filtered {
		p, err := peer(len(spec.Visible)+i, n)
		if err != nil {
			return nil, err
		}
		st.FilteredPeers = append(st.FilteredPeers, p)
	}
	var buf bytes.Buffer
	if err := jsonoutput.PrintTailnetLockStatusJSONV1(&buf, st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func peer(i int, n Node) (*ipnstate.TKAPeer, error) {
	p := &ipnstate.TKAPeer{
		Name:         n.Name,
		ID:           tailcfg.NodeID(i + 1),
		StableID:     tailcfg.StableNodeID(fmt.Sprintf("n%dCNTRL", i+1)),
		TailscaleIPs: []netip.Addr{netip.AddrFrom4([4]byte{100, 64, byte(i >> 8), byte(i)})},
		NodeKey:      key.NodePublicFromRaw32(mem.B(n.NodeKey[:])),
	}
	if n.Signature != nil {
		if err := p.NodeKeySignature.Unserialize(n.Signature); err != nil {
			return nil, fmt.Errorf("peer %s: %w", n.Name, err)
		}
	}
	return p, nil
}
