package main

// The plan of "signet rotate plan --json" and "signet revoke-device
// --json" (without --confirm), schema version 1 (docs/rotation.md).

import (
	"encoding/json"
	"io"

	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/tka"
)

// planSchema is the schema version of the plan's JSON.
const planSchema = "1"

// planJSON is a keyPlan as JSON. Names and node keys of refused entries
// are as the status file gave them: claims.
type planJSON struct {
	SchemaVersion string         `json:"schema_version"`
	BoxKey        string         `json:"box_key"`
	Revoke        string         `json:"revoke,omitempty"`
	KeysBefore    []string       `json:"keys_before"`
	KeysAfter     []string       `json:"keys_after"`
	Add           *planKeyJSON   `json:"add,omitempty"`
	Remove        string         `json:"remove"`
	Handoff       bool           `json:"handoff"`
	Resign        []planNodeJSON `json:"resign"`
	LeftUnsigned  []planNodeJSON `json:"left_unsigned"`
	Refused       []refusedJSON  `json:"refused"`
	Rails         []string       `json:"rails"`
}

type planKeyJSON struct {
	Key   string `json:"key"`
	Votes uint   `json:"votes"`
}

type planNodeJSON struct {
	NodeKey  string `json:"node_key"`
	Name     string `json:"name,omitempty"`
	ID       string `json:"id,omitempty"`
	SignedBy string `json:"signed_by"`
}

type refusedJSON struct {
	NodeKey string `json:"node_key"`
	Name    string `json:"name,omitempty"`
	Claimed string `json:"claimed_key,omitempty"`
	Reason  string `json:"reason"`
}

// printJSON writes the plan as JSON; revoke names the revoked device, if
// any.
func (p *keyPlan) printJSON(w io.Writer, revoke string) error {
	out := planJSON{SchemaVersion: planSchema, BoxKey: tka.FormatTLPub(p.box), Revoke: revoke,
		KeysBefore: orEmpty(p.before), KeysAfter: orEmpty(p.after), Remove: tka.FormatTLPub(p.remove), Handoff: p.handoff,
		Resign: nodesJSON(p.resign), LeftUnsigned: nodesJSON(p.left), Refused: []refusedJSON{}, Rails: orEmpty(p.rails)}
	if p.add != nil {
		out.Add = &planKeyJSON{Key: tka.FormatTLPub(p.add), Votes: p.votes}
	}
	for _, r := range p.refused {
		rj := refusedJSON{NodeKey: r.NodeKey, Name: r.Name, Reason: r.Reason}
		if r.Claimed != nil {
			rj.Claimed = tka.FormatTLPub(r.Claimed)
		}
		out.Refused = append(out.Refused, rj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func nodesJSON(nodes []lockstatus.Node) []planNodeJSON {
	out := []planNodeJSON{}
	for _, n := range nodes {
		out = append(out, planNodeJSON{NodeKey: n.NodeKey.String(), Name: n.Name, ID: n.ID, SignedBy: tka.FormatTLPub(n.Authorizing)})
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
