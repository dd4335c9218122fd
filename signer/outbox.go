package signer

import (
	"cmp"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/signetbox/signet/api"
)

// maxOutboxItems caps one answer; a relay asks again for the rest.
const maxOutboxItems = 200

// deliveryKey names one deliverable result: a request and, for a
// node-key signature, the node (as the journal keeps it: api.Short()).
type deliveryKey struct{ id, node string }

// outbox holds released results in release order until a relay reports
// each delivered; delivered remembers what was reported so a repeated
// report journals nothing.
type outbox struct {
	order     []deliveryKey
	items     map[deliveryKey]api.OutboxItem
	delivered map[deliveryKey]bool
}

func newOutbox() *outbox {
	return &outbox{items: map[deliveryKey]api.OutboxItem{}, delivered: map[deliveryKey]bool{}}
}

// released adds the deliverable parts of a released answer: one item per
// node-key signature and one for its chain AUMs. Co-signatures and
// wrapped keys are not delivered by a relay.
func (o *outbox) released(id string, nodes []api.NodeResult, chainAUMs []string) {
	for _, n := range nodes {
		if n.Signature != "" {
			o.add(deliveryKey{id, api.Short(n.NodeKey)}, api.OutboxItem{ID: id, NodeKey: n.NodeKey, Signature: n.Signature})
		}
	}
	if len(chainAUMs) > 0 {
		o.add(deliveryKey{id, ""}, api.OutboxItem{ID: id, AUMs: chainAUMs})
	}
}

func (o *outbox) add(k deliveryKey, it api.OutboxItem) {
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
func (o *outbox) list(limit int) ([]api.OutboxItem, int) {
	out := []api.OutboxItem{}
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
func (s *Service) Outbox(limit int) ([]api.OutboxItem, int) {
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
	writeJSON(w, http.StatusOK, &api.OutboxResponse{Items: items, More: more})
}

// signedNodes lists the node-key signatures made, in the order the
// answer lists them.
func (o *issued) signedNodes() []api.NodeResult {
	pos := map[string]int{}
	for i, n := range o.resp.Nodes {
		pos[n.NodeKey] = i
	}
	out := make([]api.NodeResult, 0, len(o.nodes))
	for nk, sig := range o.nodes {
		out = append(out, api.NodeResult{NodeKey: nk.String(), Signature: hex.EncodeToString(sig)})
	}
	slices.SortFunc(out, func(a, b api.NodeResult) int {
		return cmp.Or(cmp.Compare(pos[a.NodeKey], pos[b.NodeKey]), strings.Compare(a.NodeKey, b.NodeKey))
	})
	return out
}
