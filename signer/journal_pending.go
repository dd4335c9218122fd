package signer

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/signetbox/signet/api"
)

// PendingState says where a request stopped in the journal.
type PendingState string

// Pending states. After a restart the daemon must neither sign a request
// again without a new confirmation nor forget one whose result was made.
const (
	// PendingUndecided: received, but no decision was journaled.
	PendingUndecided PendingState = "undecided"
	// PendingApproved: approved, but nothing was issued. It must not be
	// signed without a new confirmation.
	PendingApproved PendingState = "approved"
	// PendingIssued: signed, but the result was not released.
	PendingIssued PendingState = "issued"
)

// PendingRequest is a request whose life in the journal is unfinished.
type PendingRequest struct {
	RequestID string
	Kind      api.Kind
	Digest    string
	SigHash   string // for PendingIssued
	State     PendingState
	Seq       uint64    // its last record
	Time      time.Time // of its last record
}

// pendingIndex tracks unfinished requests as records are read or added.
type pendingIndex struct {
	reqs map[string]*PendingRequest
	// issued holds every request ID with an "issued" record, finished or
	// not: a restarted daemon must never sign one of them again.
	issued map[string]bool
	// releasedBy holds, for each released request, the principal
	// (rateKey) of its requester: who may report it delivered.
	releasedBy map[string]string
}

func newPendingIndex() *pendingIndex {
	return &pendingIndex{reqs: make(map[string]*PendingRequest), issued: make(map[string]bool), releasedBy: make(map[string]string)}
}

func (p *pendingIndex) add(r Record) {
	if r.RequestID == "" || r.Type == RecNote {
		return
	}
	switch r.Type {
	case RecIssued:
		p.issued[r.RequestID] = true
	case RecReleased:
		p.releasedBy[r.RequestID] = rateKey(r.Requester)
	}
	q := p.reqs[r.RequestID]
	var state PendingState
	switch r.Type {
	case RecReceived:
		state = PendingUndecided
	case RecDecision:
		if r.Outcome == OutcomeApproved {
			state = PendingApproved
		}
	case RecIssued:
		state = PendingIssued
	}
	if state == "" {
		delete(p.reqs, r.RequestID) // denied, failed, released or delivered: done
		return
	}
	if q == nil {
		q = &PendingRequest{RequestID: r.RequestID}
		p.reqs[r.RequestID] = q
	}
	q.State, q.Seq, q.Time = state, r.Seq, r.Time
	if r.Kind != "" {
		q.Kind = r.Kind
	}
	if r.Digest != "" {
		q.Digest = r.Digest
	}
	if r.SigHash != "" {
		q.SigHash = r.SigHash
	}
}

// Issued returns the IDs of every request with an "issued" record, read
// when the journal was opened and kept up as records are appended (no
// second pass over the file).
func (j *Journal) Issued() map[string]bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return maps.Clone(j.pending.issued)
}

// ReleasedBy returns the principal (a uid or a WireGuard peer) whose
// request id was released, and false if the journal released no such
// request.
func (j *Journal) ReleasedBy(id string) (string, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	p, ok := j.pending.releasedBy[id]
	return p, ok
}

// Pending returns the unfinished requests, oldest last record first:
// received without a decision, approved without an issued record, and
// issued without a released record.
func (j *Journal) Pending() []PendingRequest {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]PendingRequest, 0, len(j.pending.reqs))
	for _, q := range j.pending.reqs {
		out = append(out, *q)
	}
	slices.SortFunc(out, func(a, b PendingRequest) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}
