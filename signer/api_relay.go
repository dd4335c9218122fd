package signer

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/tka"
)

// maxInformAUMs caps one POST /v1/aums: a relay sends what is new since
// the box's head, in pieces.
const maxInformAUMs = 1000

// Inform adds AUMs from the tailnet to the chain store.
//
// NOTE(signet): no console is needed: tka.Authority.Inform stores an AUM
// only if it is signed by enough keys trusted at its parent, so an AUM the
// tailnet's own trusted keys did not sign is refused, and nothing is
// signed by the box's key. What is refused is journaled as a note too.
func (s *Service) Inform(hexAUMs []string, requester string) (tka.AUMHash, error) {
	if len(hexAUMs) == 0 || len(hexAUMs) > maxInformAUMs {
		return tka.AUMHash{}, fmt.Errorf("send 1 to %d AUMs at a time, not %d", maxInformAUMs, len(hexAUMs))
	}
	aums := make([]*tka.AUM, len(hexAUMs))
	for i, h := range hexAUMs {
		a, err := tka.ParseHexAUM(h)
		if err != nil {
			return tka.AUMHash{}, fmt.Errorf("aums[%d]: %w", i, err)
		}
		aums[i] = a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.rateCheck(requester); err != nil {
		return tka.AUMHash{}, err
	}
	before := s.auth.Head()
	base := Record{Type: RecNote, Requester: requester}
	refused := func(err error) (tka.AUMHash, error) {
		base.Detail = map[string]string{DetailMessage: "refused AUMs from the tailnet: " + err.Error()}
		_, _ = s.journal.Append(base)
		return tka.AUMHash{}, fmt.Errorf("the AUMs were refused (nothing stored): %w", err)
	}
	// Checked first, so that the note of what is about to be stored is
	// written only for AUMs that will be: a refused update journals its
	// refusal alone.
	if err := s.auth.Check(s.store, aums); err != nil {
		return refused(err)
	}
	if err := NoteChainAdds(s.journal, "adding AUMs from the tailnet to the chain", s.store, aums); err != nil {
		return tka.AUMHash{}, fmt.Errorf("nothing stored: %w", err)
	}
	if err := s.auth.Inform(s.store, aums); err != nil {
		return refused(err)
	}
	if head := s.auth.Head(); head != before {
		base.Detail = map[string]string{DetailMessage: "chain updated from the tailnet", "head": head.String(), DetailPrevious: before.String()}
		if _, err := s.journal.Append(base); err != nil {
			return tka.AUMHash{}, err
		}
	}
	return s.auth.Head(), nil
}

// Delivered journals that the result of request d.ID reached the tailnet
// and takes it out of the outbox. Reporting the same delivery again is
// harmless: already is true and nothing is journaled.
//
// NOTE(signer): a report stops every relay from delivering the result, so
// a false one hides a signature from the tailnet. Only the party that
// delivers a result may report it (docs/api.md):
//   - a WireGuard peer (a relay): the results of its own requests, and
//     those of requests made on the box (a local uid), which every relay
//     reads from the outbox;
//   - a local process: the results of requests of its own uid.
//
// The report must name a result the request released: the node key of a
// node-key signature it made, or no node key for the AUMs it added.
// Reports count against the reporter's rate like requests, in a bucket
// of their own.
func (s *Service) Delivered(d api.DeliveredRequest, requester string) (already bool, err error) {
	if !api.ValidID(d.ID) {
		return false, errors.New("id must be 1-64 of A-Z a-z 0-9 . _ : -")
	}
	who := rateKey(requester)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.rateCheckIn("delivered", who); err != nil {
		return false, err
	}
	a, ok := s.answers[d.ID]
	owner, released := s.journal.ReleasedBy(d.ID)
	if !ok || !released || (a.resp.Status != api.StatusSigned && a.resp.Status != api.StatusAlreadySigned) {
		return false, fmt.Errorf("request %s released nothing on this box; report only results the box gave out", d.ID)
	}
	if !mayReport(who, owner) {
		return false, fmt.Errorf("%s may not report request %s delivered: only its requester may, or a relay for a request made on the box", who, d.ID)
	}
	k, err := deliveryKeyOf(d)
	if err != nil {
		return false, err
	}
	if s.out.delivered[k] {
		return true, nil
	}
	if _, ok := s.out.items[k]; !ok {
		if k.node != "" {
			return false, fmt.Errorf("request %s released no signature for %s; report the node key its result names", d.ID, k.node)
		}
		return false, fmt.Errorf("request %s released no AUMs for a relay to deliver; report a node-key signature with its node_key", d.ID)
	}
	rec := Record{Type: RecDelivered, RequestID: d.ID, Requester: requester, Detail: map[string]string{DetailVia: api.Short(d.Via)}}
	if k.node != "" {
		rec.Detail[DetailNodeKey] = k.node
	}
	if _, err := s.journal.Append(rec); err != nil {
		return false, fmt.Errorf("the delivery of request %s was not recorded (nothing else changed; report it again): %w", d.ID, err)
	}
	s.out.markDelivered(k)
	return false, nil
}

// mayReport says whether principal who may report a delivery of a
// result requested by owner (both rateKey principals).
func mayReport(who, owner string) bool {
	_, relay := api.WireGuardPeer(who)
	_, relayed := api.WireGuardPeer(owner)
	return who == owner || relay && !relayed
}

// deliveryKeyOf names the result a report is about, with the node key
// in its one canonical form.
func deliveryKeyOf(d api.DeliveredRequest) (deliveryKey, error) {
	if d.NodeKey == "" {
		return deliveryKey{d.ID, ""}, nil
	}
	nk, err := tka.ParseNodeKey(d.NodeKey)
	if err != nil {
		return deliveryKey{}, fmt.Errorf("node_key: %w", err)
	}
	return deliveryKey{d.ID, api.Short(nk.String())}, nil
}

func (s *Service) serveAUMs(w http.ResponseWriter, r *http.Request) {
	var in api.InformRequest
	if err := api.DecodeStrict(r.Body, s.policy.MaxBody, "the body", &in); err != nil {
		writeJSON(w, http.StatusBadRequest, &api.InformResponse{Error: err.Error()})
		return
	}
	head, err := s.Inform(in.AUMs, requesterOf(r))
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, &api.InformResponse{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, &api.InformResponse{Head: head.String()})
}

func (s *Service) serveDelivered(w http.ResponseWriter, r *http.Request) {
	var in api.DeliveredRequest
	if err := api.DecodeStrict(r.Body, 64<<10, "the body", &in); err != nil {
		writeJSON(w, http.StatusBadRequest, &api.DeliveredResponse{Error: err.Error()})
		return
	}
	already, err := s.Delivered(in, requesterOf(r))
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, &api.DeliveredResponse{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, &api.DeliveredResponse{Already: already})
}

func requesterOf(r *http.Request) string {
	peer, _ := r.Context().Value(peerKey{}).(Peer)
	return peer.String()
}
