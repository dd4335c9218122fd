package signer

import (
	"strings"

	"github.com/signetbox/signet/api"
)

// history is what a start needs from the journal, gathered in the one
// pass that verifies it (OpenJournal) and kept up as records are
// appended: the answers to replay, the results the state dir's other
// files must hold, and the pinned key files. It holds a few hundred bytes
// per request, never whole records.
type history struct {
	reqs map[string]*reqHistory
	// released lists request IDs in the order of their released records.
	released []string
	// delivered lists delivery reports in journal order.
	delivered []deliveryKey
	// heads are AUMs that notes say were stored in the chain (a demo
	// authority's genesis, an import, news from the tailnet): the chain
	// must still hold them.
	heads []notedHead
	// adds are AUMs that notes say were about to be stored: the chain may
	// lack them (the commit failed or a crash stopped it).
	adds []notedHead
	// pin is the newest record pinning the key files; zero if none.
	pin Record
	// records is how many records were read or appended.
	records uint64
}

// reqHistory is one request's life in the journal.
type reqHistory struct {
	kind        api.Kind
	fingerprint string
	outcome     Outcome // of the newest decision
	operator    string  // of the newest decision
	approvedSeq uint64  // of the newest approving decision
	issued      *Record // the issued record, Detail kept
	released    bool
	lostSeq     uint64 // a repair journaled its signatures as lost
	failed      string // why signing failed after approval ("failed" record)
}

// notedHead is an AUM hash a note names, and the note's sequence number.
type notedHead struct {
	hash string
	seq  uint64
}

// Detail keys with a meaning for the start checks.
const (
	// detailHead, on a note, names (base32, space-separated) AUMs stored
	// in the chain before the note was written.
	detailHead = "head"
	// detailAdds, on a note, names (base32, space-separated) AUMs about to
	// be stored in the chain: written before the commit, so that every
	// AUM in the chain is explained by a record written before it.
	detailAdds = "adds"
	// detailEvent names what a note records.
	detailEvent = "event"
	// eventSignaturesLost marks a request whose signatures an index
	// rebuild could not keep (journal repair --rebuild-index).
	eventSignaturesLost = "signatures-lost"
	// eventKeyFiles pins the key files: Detail maps each file name to
	// SecretDigest-style "sha256:<hex>" of its bytes, or "absent".
	eventKeyFiles = "key-files"
)

func newHistory() *history { return &history{reqs: map[string]*reqHistory{}} }

// add folds one record into the history.
func (h *history) add(r Record) {
	h.records++
	if r.Type == RecNote {
		h.addNote(r)
		return
	}
	if r.RequestID == "" {
		return
	}
	q := h.reqs[r.RequestID]
	if q == nil {
		q = &reqHistory{}
		h.reqs[r.RequestID] = q
	}
	if r.Kind != "" {
		q.kind = r.Kind
	}
	switch r.Type {
	case RecReceived:
		q.fingerprint = r.Detail[DetailFingerprint]
	case RecDecision:
		q.outcome, q.operator = r.Outcome, r.Operator()
		if r.Outcome == OutcomeApproved {
			q.approvedSeq = r.Seq
		}
	case RecIssued:
		rec := r
		q.issued = &rec
	case RecFailed:
		q.failed = r.Reason()
	case RecReleased:
		if !q.released {
			h.released = append(h.released, r.RequestID)
		}
		q.released = true
	case RecDelivered:
		h.delivered = append(h.delivered, deliveryKey{r.RequestID, r.NodeKey()})
	}
}

func (h *history) addNote(r Record) {
	for _, v := range strings.Fields(r.Detail[detailHead]) {
		h.heads = append(h.heads, notedHead{v, r.Seq})
	}
	for _, v := range strings.Fields(r.Detail[detailAdds]) {
		h.adds = append(h.adds, notedHead{v, r.Seq})
	}
	switch r.Detail[detailEvent] {
	case eventKeyFiles:
		h.pin = r
	case eventSignaturesLost:
		if q := h.reqs[r.RequestID]; q != nil {
			q.lostSeq = r.Seq
		}
	}
}

// signsNodes reports whether a request's issued record stands for
// node-key signatures, kept in signatures.jsonl.
func (q *reqHistory) signsNodes() bool {
	return q.issued != nil && (q.kind == api.KindSignNode || q.kind == api.KindBatch)
}

// issuedCount is how many signatures the issued record stands for.
func (q *reqHistory) issuedCount() int {
	return q.issued.IssuedCount()
}

// issuedAUMs lists the hex AUM hashes the issued record names.
func (q *reqHistory) issuedAUMs() []string {
	if q.issued == nil {
		return nil
	}
	return q.issued.IssuedAUMs()
}
