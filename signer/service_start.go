package signer

import (
	"fmt"

	"github.com/signetbox/signet/api"
)

// startChecks runs the start checks (statecheck.go) unless the caller did,
// then the repairs they allow. Nothing is served if they fail.
func startChecks(cfg Config) (*StartCheck, error) {
	chk := cfg.Checked
	if chk == nil {
		cs, _ := cfg.Store.(*ChainStore)
		var err error
		if chk, err = CheckStart(cfg.Dir, cs, cfg.Journal, cfg.Key.PublicKey(), cfg.KeyFiles); err != nil {
			return nil, err
		}
	}
	if _, err := chk.Repair(cfg.Journal); err != nil {
		return nil, fmt.Errorf("repairing the state dir at start: %w", err)
	}
	return chk, nil
}

// replay rebuilds, from the history the journal gathered when it was
// opened and the index lines the start checks bound to it, the answers
// to past request IDs, the issued node signatures and the outbox. It
// reads neither file again.
func (s *Service) replay(chk *StartCheck) error {
	var err error
	s.journal.withHistory(func(h *history) { err = s.replayHistory(h, chk) })
	return err
}

func (s *Service) replayHistory(h *history, chk *StartCheck) error {
	for _, e := range chk.index.entries {
		if chk.byReq[e.request] != nil {
			s.signed[e.nk] = e.sig
			s.byReq[e.request] = append(s.byReq[e.request], e.result())
		}
	}
	for id, q := range h.reqs {
		switch {
		case q.outcome != "" && q.outcome != OutcomeApproved:
			s.answers[id] = answer{q.fingerprint, &api.Response{ID: id, Status: api.StatusDenied, Error: "denied on the console (" + string(q.outcome) + ")"}}
		case q.failed != "":
			s.answers[id] = answer{q.fingerprint, failedResponse(id, q.failed)}
		}
	}
	for _, id := range h.released {
		q := h.reqs[id]
		var detail map[string]string
		if q.issued != nil {
			detail = q.issued.Detail
		}
		if q.lostSeq != 0 && len(s.byReq[id]) == 0 {
			s.answers[id] = answer{q.fingerprint, &api.Response{ID: id, Status: api.StatusError,
				Error: fmt.Sprintf("the signatures of request %s were lost when signatures.jsonl was rebuilt (journal record #%d); it is not signed again under this id: send a new request with a new id", id, q.lostSeq)}}
			continue
		}
		resp := &api.Response{ID: id, Status: api.StatusSigned, Nodes: s.byReq[id]}
		replayedDeliver(q.kind, resp, detail[cosignedDetail])
		if err := s.replayedAUMs(resp, detail["aums"]); err != nil {
			return err
		}
		s.answers[id] = answer{q.fingerprint, resp}
		s.out.released(id, s.byReq[id], resp.AUMs)
	}
	for _, d := range h.delivered {
		s.out.markDelivered(d)
	}
	return nil
}
