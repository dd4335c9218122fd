package signer

// A request's final answer is made twice: live, when it is decided and
// signed, and again after a restart, from the journal (service_start.go),
// for a client that sends the same request ID again. Both are made by the
// functions here, so a replayed answer is the first answer.

import (
	"encoding/hex"
	"fmt"
	"github.com/signetbox/signet/api"
	"strconv"
	"strings"

	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// signedParts are what a signed answer is made of. Live, the signing step
// has them in hand; at a replay, the issued record and the files it binds
// give them back.
type signedParts struct {
	// nodes are the node-key signatures the request made, in answer order.
	nodes []api.NodeResult
	// already are a batch's nodes signed before and skipped, in request
	// order; alreadyAt are their positions in the request.
	already   []api.NodeResult
	alreadyAt []int
	// aums are the AUMs the request added to the chain, hex.
	aums []string
	// cosigned is a co-signed recovery AUM (in no chain), hex.
	cosigned string
	// wrapped is a wrapped pre-auth key. It is a secret and never
	// journaled, so only the live answer has it.
	wrapped string
}

// signedAnswer is the answer to request id of kind, signed.
func signedAnswer(id string, kind api.Kind, p signedParts) *api.Response {
	resp := &api.Response{ID: id, Status: api.StatusSigned}
	switch {
	case p.wrapped != "":
		resp.WrappedAuthKey, resp.Deliver = p.wrapped, deliverWrapped
	case p.cosigned != "":
		resp.AUMs, resp.Deliver = []string{p.cosigned}, deliverCosign(p.cosigned)
	case len(p.aums) > 0:
		resp.AUMs = p.aums
		for _, blob := range p.aums {
			resp.Deliver = append(resp.Deliver, finishLine(blob))
		}
	case kind == api.KindSignNode && len(p.nodes) == 1:
		resp.Signature, resp.Deliver = p.nodes[0].Signature, deliverNode(p.nodes[0].NodeKey)
	case kind == api.KindBatch && len(p.nodes) > 0:
		resp.Nodes = append(append([]api.NodeResult(nil), p.already...), p.nodes...)
		resp.Deliver = deliverBatch
	}
	return resp
}

// alreadyResult is a batch node's answer when this box signed it before.
func alreadyResult(nk tka.NodeKey, sig []byte) api.NodeResult {
	return api.NodeResult{NodeKey: nk.String(), Signature: hex.EncodeToString(sig), Note: "already signed"}
}

// deniedAnswer is the answer to a request the console did not approve.
// A stale request's operator field says why it went stale.
func deniedAnswer(id string, outcome Outcome, operator string) *api.Response {
	resp := &api.Response{ID: id, Status: api.StatusDenied, Error: "denied on the console (" + string(outcome) + ")"}
	if outcome == OutcomeStale {
		resp.Error = operator + "; send a new request"
	}
	return resp
}

// lostAnswer is the answer to a request whose signatures a rebuild of the
// signature index could not keep (journal record #seq).
func lostAnswer(id string, seq uint64) *api.Response {
	return &api.Response{ID: id, Status: api.StatusError,
		Error: fmt.Sprintf("the signatures of request %s were lost when %s was rebuilt (journal record #%d); it is not signed again under this id: send a new request with a new id", id, statedir.SigIndex, seq)}
}

// finishLine says how to submit a signed AUM blob to the tailnet.
func finishLine(blob string) string { return "tailscale lock revoke-keys --finish " + blob }

// deliverBatch says how a batch's signatures reach the tailnet.
var deliverBatch = []string{"a signet-relay connected to this box delivers them; without one, the stock tailscale client cannot submit signatures made elsewhere: see docs/delivery.md"}

// deliverWrapped says what to do with a wrapped pre-auth key.
var deliverWrapped = []string{"use the wrapped key with `tailscale up --auth-key=…` on the new device; nothing to submit"}

// deliverNode says how a node-key signature reaches the tailnet.
func deliverNode(nodeKey string) []string {
	return []string{
		"a signet-relay connected to this box delivers it; without one, the stock tailscale client cannot submit a signature made elsewhere: keep it and see docs/delivery.md for " + nodeKey,
	}
}

// deliverCosign says what to do with a co-signed recovery AUM.
func deliverCosign(blob string) []string {
	return []string{
		"to add another co-signature: tailscale lock revoke-keys --cosign " + blob,
		"when enough keys signed: " + finishLine(blob),
	}
}

// formatPositions is the already_at detail of positions.
func formatPositions(at []int) string {
	s := make([]string, len(at))
	for i, n := range at {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " ")
}
