package main

// The crash soak's invariants, checked from the files of the state dir and
// the answers the clients got.

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// violation reports a broken invariant once, however often it is seen.
func (r *crashRig) violation(format string, args ...any) {
	r.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if !r.seen[msg] {
		r.seen[msg] = true
		r.t.Errorf("after kill %d: %s", r.kills, msg)
	}
}

// checkDown runs with the daemon stopped: the chain store verifies, and
// every node signature and AUM the clients got is in it.
func (r *crashRig) checkDown() {
	r.t.Helper()
	if out, err := r.signet("chain", "verify", "--state", r.dir); err != nil {
		r.violation("signet chain verify: %v: %s", err, strings.TrimSpace(out))
		return
	}
	st, err := signer.OpenChainStore(r.dir)
	if err != nil {
		r.violation("opening the chain store: %v", err)
		return
	}
	defer st.Close()
	auth, err := tka.Open(st)
	if err != nil {
		r.violation("opening the authority: %v", err)
		return
	}
	for _, g := range r.received() {
		for nk, sig := range g.nodes {
			k, err1 := tka.ParseNodeKey(nk)
			raw, err2 := hex.DecodeString(sig)
			if err1 != nil || err2 != nil {
				r.violation("request %s: unreadable signature for %s", g.id, nk)
				continue
			}
			if err := auth.NodeKeyAuthorized(k, raw); err != nil {
				r.violation("request %s: the authority rejects the signature released for %s: %v", g.id, nk, err)
			}
		}
		for _, blob := range g.aums {
			u, err := tka.ParseHexAUM(blob)
			if err != nil {
				r.violation("request %s: unreadable AUM: %v", g.id, err)
				continue
			}
			if _, err := st.AUM(u.Hash()); err != nil {
				r.violation("request %s: AUM %v was released but is not in the chain store: %v", g.id, u.Hash(), err)
			}
		}
	}
}

// checkUp runs with the daemon started and idle: the journal verifies and
// agrees with the signature index and the answers.
func (r *crashRig) checkUp() {
	r.t.Helper()
	if out, err := r.signet("journal", "verify", "--state", r.dir); err != nil {
		r.violation("signet journal verify: %v: %s", err, strings.TrimSpace(out))
	}
	r.checkFiles()
}

// journalView is what the journal says about each request id.
type journalView struct {
	issued   map[string][]uint64 // seqs of "issued" records
	released map[string]uint64
}

func readJournalView(dir string) (*journalView, error) {
	v := &journalView{issued: map[string][]uint64{}, released: map[string]uint64{}}
	err := readLines(filepath.Join(dir, "journal.log"), func(line []byte) error {
		var rec signer.Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return err
		}
		switch rec.Type {
		case signer.RecIssued:
			v.issued[rec.RequestID] = append(v.issued[rec.RequestID], rec.Seq)
		case signer.RecReleased:
			v.released[rec.RequestID] = rec.Seq
		}
		return nil
	})
	return v, err
}

type indexLine struct {
	Request   string `json:"request"`
	NodeKey   string `json:"node_key"`
	Signature string `json:"signature"`
}

func readLines(path string, each func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if err := each(sc.Bytes()); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return sc.Err()
}

// checkFiles checks the journal and signatures.jsonl against each other
// and against the answers.
func (r *crashRig) checkFiles() {
	r.t.Helper()
	jv, err := readJournalView(r.dir)
	if err != nil {
		r.violation("reading the journal: %v", err)
		return
	}
	for id, seqs := range jv.issued {
		if len(seqs) > 1 {
			r.violation("request %s has %d issued records (seqs %v): signed more than once", id, len(seqs), seqs)
		}
	}
	for id, rel := range jv.released {
		if s := jv.issued[id]; len(s) == 0 || s[0] > rel {
			r.violation("request %s was released (seq %d) without an earlier issued record (%v)", id, rel, s)
		}
	}
	index := map[string][]indexLine{} // by node key
	err = readLines(filepath.Join(r.dir, "signatures.jsonl"), func(line []byte) error {
		var l indexLine
		if err := json.Unmarshal(line, &l); err != nil {
			return err
		}
		index[l.NodeKey] = append(index[l.NodeKey], l)
		return nil
	})
	if err != nil {
		r.violation("reading signatures.jsonl: %v", err)
		return
	}
	for nk, lines := range index {
		if len(lines) > 1 {
			r.violation("node %s was signed %d times (requests %v)", nk, len(lines), lines)
		}
	}
	for _, g := range r.received() {
		r.checkAnswer(g, jv, index)
	}
}

// checkAnswer checks one request's answers: they agree with each other,
// each signature is in the index, and its request has an issued record.
func (r *crashRig) checkAnswer(g answerGroup, jv *journalView, index map[string][]indexLine) {
	for i := 1; i < len(g.canon); i++ {
		if g.canon[i] != g.canon[0] {
			r.violation("request %s (%s) got different signed answers: first %s, then %s", g.id, g.kind, g.desc[0], g.desc[i])
		}
	}
	for nk, sig := range g.nodes {
		i := slices.IndexFunc(index[nk], func(l indexLine) bool { return l.Signature == sig })
		if i < 0 {
			r.violation("request %s: the signature released for %s is not in signatures.jsonl", g.id, nk)
			continue
		}
		if owner := index[nk][i].Request; len(jv.issued[owner]) == 0 {
			r.violation("request %s: the signature released for %s (made for request %s) has no issued record in the journal", g.id, nk, owner)
		}
	}
	if len(g.aums) > 0 && len(jv.issued[g.id]) == 0 {
		r.violation("request %s: AUMs were released without an issued record", g.id)
	}
}

// answerGroup is what one request id released, over all its answers.
type answerGroup struct {
	id    string
	kind  signer.Kind
	desc  []string          // each signed answer, described
	nodes map[string]string // node key → signature
	aums  []string
	canon []string // each signed answer's signatures, in a comparable form
}

// received groups the signatures and AUMs the clients were given.
func (r *crashRig) received() []answerGroup {
	l := r.log
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []answerGroup
	for _, id := range l.order {
		g := answerGroup{id: id, kind: l.reqs[id].Kind, nodes: map[string]string{}}
		for _, resp := range l.answers[id] {
			if resp.Status != signer.StatusSigned && resp.Status != signer.StatusAlreadySigned {
				continue
			}
			var items []string
			if resp.Signature != "" {
				g.nodes[l.reqs[id].NodeKey] = resp.Signature
				items = append(items, l.reqs[id].NodeKey+"="+resp.Signature)
			}
			for _, n := range resp.Nodes {
				g.nodes[n.NodeKey] = n.Signature
				items = append(items, n.NodeKey+"="+n.Signature)
			}
			slices.Sort(items)
			g.aums = append(g.aums, resp.AUMs...)
			g.canon = append(g.canon, strings.Join(append(items, resp.AUMs...), " "))
			g.desc = append(g.desc, fmt.Sprintf("%s with %d node signatures and %d AUMs (sha256 %.12x)",
				resp.Status, len(items), len(resp.AUMs), sha256.Sum256([]byte(g.canon[len(g.canon)-1]))))
		}
		if len(g.canon) > 0 {
			out = append(out, g)
		}
	}
	return out
}
