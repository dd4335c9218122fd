package audit

import (
	"fmt"
	"sort"
	"time"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// request is what the journal says about one request.
type request struct {
	kind, requester, outcome, credential string
	received                             time.Time
	nodeKey                              string
	issued, released                     bool
	failure                              string // why signing failed after approval
}

// journalView is the journal's requests, in the order received.
type journalView struct {
	reqs  map[string]*request
	order []string
}

// scanJournal reads the journal of dir (verifying it) into a view.
func scanJournal(dir string) (*journalView, error) {
	j := &journalView{reqs: map[string]*request{}}
	_, err := signer.ScanFile(statedir.Path(dir, statedir.Journal), func(r signer.Record) error {
		j.add(r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	return j, nil
}

// add takes in one record.
func (j *journalView) add(r signer.Record) {
	if r.RequestID == "" {
		return
	}
	q := j.reqs[r.RequestID]
	if q == nil {
		q = &request{kind: string(r.Kind), requester: r.Requester, received: r.Time}
		j.reqs[r.RequestID] = q
		j.order = append(j.order, r.RequestID)
	}
	switch r.Type {
	case signer.RecReceived:
		q.nodeKey = r.NodeKey()
	case signer.RecDecision:
		q.outcome = string(r.Outcome)
	case signer.RecIssued:
		q.issued, q.credential = true, r.Credential()
	case signer.RecReleased:
		q.released = true
	case signer.RecFailed:
		// Approved, then signing failed: closed, nothing was signed.
		q.outcome, q.failure = "failed", r.Reason()
	}
}

// issuedSignatures reads the index of issued signatures, by request,
// sorted by node key. Lines of requests the journal does not show as
// issued are ignored (statecheck.go in signer says why).
func issuedSignatures(dir string, j *journalView) (map[string][]signer.IssuedSignature, error) {
	out := map[string][]signer.IssuedSignature{}
	err := signer.ScanSignatures(dir, func(s signer.IssuedSignature) {
		if q := j.reqs[s.Request]; q != nil && q.issued {
			out[s.Request] = append(out[s.Request], s)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, sigs := range out {
		sort.Slice(sigs, func(a, b int) bool { return sigs[a].NodeKey.String() < sigs[b].NodeKey.String() })
	}
	return out, nil
}
