package keyplan

// The plan of "signet rotate plan --json" and "signet revoke-device
// --json" (without --confirm), schema version 1 (docs/rotation.md).

import (
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/tka"
)

// SchemaVersion is the schema version of the plan's JSON.
const SchemaVersion = "1"

// JSONPlan is a Plan as JSON. Names and node keys of refused entries are
// as the status file gave them: claims.
type JSONPlan struct {
	SchemaVersion string        `json:"schema_version"`
	BoxKey        string        `json:"box_key"`
	Revoke        string        `json:"revoke,omitempty"`
	KeysBefore    []string      `json:"keys_before"`
	KeysAfter     []string      `json:"keys_after"`
	Add           *JSONKey      `json:"add,omitempty"`
	Remove        string        `json:"remove"`
	Handoff       bool          `json:"handoff"`
	Resign        []JSONNode    `json:"resign"`
	LeftUnsigned  []JSONNode    `json:"left_unsigned"`
	Refused       []JSONRefused `json:"refused"`
	Rails         []string      `json:"rails"`
}

// JSONKey is the key a plan adds.
type JSONKey struct {
	Key   string `json:"key"`
	Votes uint   `json:"votes"`
}

// JSONNode is a node of the status the plan re-signs or leaves unsigned.
type JSONNode struct {
	NodeKey  string `json:"node_key"`
	Name     string `json:"name,omitempty"`
	ID       string `json:"id,omitempty"`
	SignedBy string `json:"signed_by"`
}

// JSONRefused is an entry of the status whose signature does not verify.
type JSONRefused struct {
	NodeKey string `json:"node_key"`
	Name    string `json:"name,omitempty"`
	Claimed string `json:"claimed_key,omitempty"`
	Reason  string `json:"reason"`
}

// JSON is the plan as JSON; revoke names the revoked device, if any.
// Empty lists are [] rather than null.
func (p *Plan) JSON(revoke string) *JSONPlan {
	out := &JSONPlan{SchemaVersion: SchemaVersion, BoxKey: tka.FormatTLPub(p.Box), Revoke: revoke,
		KeysBefore: orEmpty(p.Before), KeysAfter: orEmpty(p.After), Remove: tka.FormatTLPub(p.Remove), Handoff: p.Handoff,
		Resign: nodesJSON(p.Resign), LeftUnsigned: nodesJSON(p.Left), Refused: []JSONRefused{}, Rails: orEmpty(p.Rails)}
	if p.Add != nil {
		out.Add = &JSONKey{Key: tka.FormatTLPub(p.Add), Votes: p.Votes}
	}
	for _, r := range p.Refused {
		rj := JSONRefused{NodeKey: r.NodeKey, Name: r.Name, Reason: r.Reason}
		if r.Claimed != nil {
			rj.Claimed = tka.FormatTLPub(r.Claimed)
		}
		out.Refused = append(out.Refused, rj)
	}
	return out
}

func nodesJSON(nodes []lockstatus.Node) []JSONNode {
	out := []JSONNode{}
	for _, n := range nodes {
		out = append(out, JSONNode{NodeKey: n.NodeKey.String(), Name: n.Name, ID: n.ID, SignedBy: tka.FormatTLPub(n.Authorizing)})
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
