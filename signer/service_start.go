package signer

import (
	"fmt"

	"encoding/hex"
	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/tka"
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
			s.answers[id] = answer{fingerprint: q.fingerprint, resp: deniedAnswer(id, q.outcome, q.operator)}
		case q.failed != "":
			s.answers[id] = answer{fingerprint: q.fingerprint, resp: failedResponse(id, q.failed)}
		}
	}
	for _, id := range h.released {
		q := h.reqs[id]
		if q.lostSeq != 0 && len(s.byReq[id]) == 0 {
			s.answers[id] = answer{fingerprint: q.fingerprint, resp: lostAnswer(id, q.lostSeq)}
			continue
		}
		parts, err := s.replayedParts(id, q)
		if err != nil {
			return err
		}
		s.answers[id] = answer{fingerprint: q.fingerprint, resp: signedAnswer(id, q.kind, parts), alreadyAt: parts.alreadyAt}
		s.out.released(id, s.byReq[id], parts.aums)
	}
	for _, d := range h.delivered {
		s.out.markDelivered(d)
	}
	return nil
}

// replayedParts gathers what request id's first signed answer was made
// of: its node signatures from the index, its AUMs from the chain store,
// a co-signed AUM and a batch's skipped positions from its issued record.
func (s *Service) replayedParts(id string, q *reqHistory) (signedParts, error) {
	p := signedParts{nodes: s.byReq[id]}
	if q.issued == nil {
		return p, nil
	}
	p.cosigned, p.alreadyAt = q.issued.CosignedAUM(), q.issued.alreadyAt()
	for _, x := range q.issued.IssuedAUMs() {
		var h tka.AUMHash
		b, err := hex.DecodeString(x)
		if err != nil || len(b) != len(h) {
			return p, fmt.Errorf("journal: bad AUM hash %q in the issued record of request %s", x, id)
		}
		copy(h[:], b)
		u, err := s.store.AUM(h)
		if err != nil {
			return p, fmt.Errorf("replaying request %s: its AUM %v is not in the chain store: %w", id, h, err)
		}
		p.aums = append(p.aums, tka.FormatHexAUM(u))
	}
	return p, nil
}

// completeReplay is the replayed answer a to a batch req whose first
// answer also listed nodes signed before: they are found by their
// positions in req (the same request: its fingerprint matched) and this
// box's signatures of them. The completed answer is kept.
func (s *Service) completeReplay(req *api.Request, a answer) *api.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := signedParts{nodes: s.byReq[req.ID]}
	for _, at := range a.alreadyAt {
		if at >= len(req.Nodes) {
			continue
		}
		nk, err := tka.ParseNodeKey(req.Nodes[at].NodeKey)
		if sig, ok := s.signed[nk]; err == nil && ok {
			p.already = append(p.already, alreadyResult(nk, sig))
		}
	}
	resp := signedAnswer(req.ID, api.KindBatch, p)
	s.answers[req.ID] = answer{fingerprint: a.fingerprint, resp: resp}
	return resp
}
