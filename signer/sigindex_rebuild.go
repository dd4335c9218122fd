package signer

// Rebuilding the index is the one way signatures.jsonl is rewritten, and
// only on the operator's word (`signet journal repair --rebuild-index`).
// The journal holds the SigHash of every signature, not the signature, so
// a signature whose line is damaged cannot be rebuilt from it (nor from
// the chain, which holds no node signatures, nor from the outbox, which
// lives in memory and is made from this index). Making it again would
// mean using the key without a review. So the rebuild keeps every
// request whose lines still match its issued record, and journals each
// other issued request as lost: a replay of it then gets an error, not
// "signed" without a signature, and the node can be signed again through
// a new, reviewed request.

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/signetbox/signet/internal/durable"
	"github.com/signetbox/signet/statedir"
)

// RebuildReport says what RebuildIndex did.
type RebuildReport struct {
	Kept     int      // signatures kept
	Requests int      // requests they belong to
	Dropped  int      // lines dropped: damaged, or backed by no issued record
	Lost     []string // issued requests whose signatures could not be kept
	Aside    string   // where the old file was kept
}

// RebuildIndex rewrites the index in dir from its lines that match the
// journal's issued records, in the journal's order. The old file is kept
// as signatures.jsonl.damaged.<unix-time>; each issued request whose
// signatures could not be kept is journaled as lost (before the new file
// replaces the old). The caller holds the state dir lock, and the daemon
// is not running.
func RebuildIndex(dir string, j *Journal) (RebuildReport, error) {
	path := filepath.Join(dir, statedir.SigIndex)
	byReq, lines, err := readLinesLoosely(path)
	if err != nil {
		return RebuildReport{}, err
	}
	var rep RebuildReport
	var keep []*reqHistory
	var lost []*reqHistory
	j.withHistory(func(h *history) {
		for id, q := range h.reqs {
			if !q.signsNodes() || q.lostSeq != 0 && len(byReq[id]) == 0 {
				continue
			}
			if matchIssued(q, byReq[id]) == "" {
				keep = append(keep, q)
			} else {
				lost = append(lost, q)
			}
		}
	})
	bySeq := func(a, b *reqHistory) int { return cmp.Compare(a.issued.Seq, b.issued.Seq) }
	slices.SortFunc(keep, bySeq)
	slices.SortFunc(lost, bySeq)
	var out bytes.Buffer
	for _, q := range keep {
		for _, e := range byReq[q.issued.RequestID] {
			out.Write(canonLine(e))
			rep.Kept++
		}
	}
	rep.Requests, rep.Dropped = len(keep), lines-rep.Kept
	for _, q := range lost {
		id := q.issued.RequestID
		rep.Lost = append(rep.Lost, id)
		msg := fmt.Sprintf("the signatures of request %s (issued in record #%d) were lost: signatures.jsonl was rebuilt without them", id, q.issued.Seq)
		if _, err := j.Append(Record{Type: RecNote, RequestID: id, Kind: q.kind, Detail: map[string]string{detailEvent: eventSignaturesLost, DetailMessage: msg}}); err != nil {
			return rep, err
		}
	}
	rep.Aside, err = replaceKeepingOld(path, out.Bytes())
	return rep, err
}

// readLinesLoosely reads every line of the index that parses on its own,
// grouped by request in file order, skipping damaged ones; it returns the
// number of lines it saw.
func readLinesLoosely(path string) (map[string][]sigEntry, int, error) {
	byReq := map[string][]sigEntry{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return byReq, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("opening the signature index: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	n := 0
	for {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 {
			n++
			if e, reason := parseSigLine(bytes.TrimSuffix(b, []byte("\n"))); reason == "" {
				byReq[e.request] = append(byReq[e.request], e)
			}
		}
		if err == io.EOF {
			return byReq, n, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("reading the signature index: %w", err)
		}
	}
}

// canonLine is the line sigIndex.add writes for e.
func canonLine(e sigEntry) []byte {
	r := e.result()
	b, _ := json.Marshal(sigLine{Request: e.request, NodeKey: r.NodeKey, Signature: r.Signature})
	return append(b, '\n')
}

// replaceKeepingOld writes data to path through a new file and a rename,
// after linking the old file to path.damaged.<unix-time>; it returns that
// name ("" if there was no old file). A crash leaves the old or the new
// file in place, never neither.
func replaceKeepingOld(path string, data []byte) (string, error) {
	aside := ""
	if _, err := os.Stat(path); err == nil {
		aside = fmt.Sprintf("%s.damaged.%d", path, time.Now().UnixNano())
		if err := os.Link(path, aside); err != nil {
			return "", fmt.Errorf("keeping the old index: %w", err)
		}
	}
	if err := durable.Replace(path, data, 0o600); err != nil {
		return aside, fmt.Errorf("putting the rebuilt index in place: %w", err)
	}
	return aside, nil
}
