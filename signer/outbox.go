package signer

import (
	"cmp"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// pathOutbox lists released results that no relay has reported delivered:
//
//	GET /v1/outbox?limit=N
const pathOutbox = "/v1/outbox"

// maxOutboxItems caps one answer; a relay asks again for the rest.
const maxOutboxItems = 200

// OutboxItem is one released result waiting to reach the tailnet: a
// node-key signature, or the AUMs one request added to the chain.
type OutboxItem struct {
	// ID is the request that produced the result.
	ID string `json:"id"`
	// NodeKey and Signature (hex CBOR) are set for a node-key signature.
	NodeKey   string `json:"node_key,omitempty"`
	Signature string `json:"signature,omitempty"`
	// AUMs are hex blobs in chain order, for a request that changed the
	// trusted keys.
	AUMs []string `json:"aums,omitempty"`
}

// OutboxResponse is the answer to GET /v1/outbox. More counts the items
// left out by the limit.
type OutboxResponse struct {
	Items []OutboxItem `json:"items"`
	More  int          `json:"more,omitempty"`
}

// deliveryKey names one deliverable result: a request and, for a
// node-key signature, the node (as the journal keeps it: short()).
type deliveryKey struct{ id, node string }

// outbox holds released results in release order until a relay reports
// each delivered; delivered remembers what was reported so a repeated
// report journals nothing.
type outbox struct {
	order     []deliveryKey
	items     map[deliveryKey]OutboxItem
	delivered map[deliveryKey]bool
}

func newOutbox() *outbox {
	return &outbox{items: map[deliveryKey]OutboxItem{}, delivered: map[deliveryKey]bool{}}
}

// released adds the deliverable parts of a released answer: one item per
// node-key signature and one for its chain AUMs. Co-signatures and
// wrapped keys are not delivered by a relay.
func (o *outbox) released(id string, nodes []NodeResult, chainAUMs []string) {
	for _, n := range nodes {
		if n.Signature != "" {
			o.add(deliveryKey{id, short(n.NodeKey)}, OutboxItem{ID: id, NodeKey: n.NodeKey, Signature: n.Signature})
		}
	}
	if len(chainAUMs) > 0 {
		o.add(deliveryKey{id, ""}, OutboxItem{ID: id, AUMs: chainAUMs})
	}
}

func (o *outbox) add(k deliveryKey, it OutboxItem) {
	if o.delivered[k] {
		return
	}
	if _, ok := o.items[k]; !ok {
		o.order = append(o.order, k)
	}
	o.items[k] = it
}

// markDelivered records a delivery; it reports whether one was recorded
// before.
func (o *outbox) markDelivered(k deliveryKey) (already bool) {
	if o.delivered[k] {
		return true
	}
	o.delivered[k] = true
	delete(o.items, k)
	// Drop delivered keys from the front so order does not grow forever.
	for len(o.order) > 0 {
		if _, ok := o.items[o.order[0]]; ok {
			break
		}
		o.order = o.order[1:]
	}
	return false
}

// list returns up to limit items, oldest first, and how many were left.
func (o *outbox) list(limit int) ([]OutboxItem, int) {
	out := []OutboxItem{}
	n := 0
	for _, k := range o.order {
		it, ok := o.items[k]
		if !ok {
			continue
		}
		if len(out) < limit {
			out = append(out, it)
		} else {
			n++
		}
	}
	return out, n
}

// Outbox returns up to limit released results not yet reported
// delivered, oldest first, and how many more there are.
func (s *Service) Outbox(limit int) ([]OutboxItem, int) {
	if limit <= 0 || limit > maxOutboxItems {
		limit = maxOutboxItems
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.list(limit)
}

func (s *Service) serveOutbox(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "limit must be a positive number"})
			return
		}
		limit = n
	}
	items, more := s.Outbox(limit)
	writeJSON(w, http.StatusOK, &OutboxResponse{Items: items, More: more})
}

// signedNodes lists the node-key signatures made, in the order the
// answer lists them.
func (o *issued) signedNodes() []NodeResult {
	pos := map[string]int{}
	for i, n := range o.resp.Nodes {
		pos[n.NodeKey] = i
	}
	out := make([]NodeResult, 0, len(o.nodes))
	for nk, sig := range o.nodes {
		out = append(out, NodeResult{NodeKey: nk.String(), Signature: hex.EncodeToString(sig)})
	}
	slices.SortFunc(out, func(a, b NodeResult) int {
		return cmp.Or(cmp.Compare(pos[a.NodeKey], pos[b.NodeKey]), strings.Compare(a.NodeKey, b.NodeKey))
	})
	return out
}
