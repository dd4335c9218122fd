package keyplan

import (
	"crypto/ed25519"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/tka"
)

// Step is one request of a plan, sent and reviewed on its own. Its
// request ID is the plan's base ID, a dash and Suffix.
type Step struct {
	Suffix  string // add, resign or remove
	Request *api.Request
}

// Steps are the plan's requests in the order they must be sent: add-key,
// the re-sign batch, remove-key. The first refusal stops the rest. On a
// handoff only the add-key step is this box's: the holder of the added
// key finishes (see Finish).
func (p *Plan) Steps(override bool) []Step {
	var out []Step
	if p.Add != nil {
		out = append(out, Step{"add", &api.Request{Kind: api.KindAddKey, Key: tka.FormatTLPub(p.Add), Votes: p.Votes}})
	}
	if p.Handoff {
		return out
	}
	if len(p.Resign) > 0 {
		out = append(out, Step{"resign", p.Batch()})
	}
	return append(out, Step{"remove", &api.Request{Kind: api.KindRemoveKey, Key: tka.FormatTLPub(p.Remove), Override: override}})
}

// Batch is the re-sign request: direct signatures by the box's key,
// keeping each node's own tailnet-lock key (its rotation key).
func (p *Plan) Batch() *api.Request {
	req := &api.Request{Kind: api.KindBatch}
	for _, n := range p.Resign {
		bn := api.BatchNode{NodeKey: n.NodeKey.String(), Claims: map[string]string{"device": strings.TrimSuffix(n.Name, "."), "re-sign": "was signed by the removed key"}}
		if rot, ok := n.Sig.WrappingPublic(); ok && len(rot) == ed25519.PublicKeySize {
			bn.TLPub = tka.FormatTLPub(rot)
		}
		req.Nodes = append(req.Nodes, bn)
	}
	return req
}
