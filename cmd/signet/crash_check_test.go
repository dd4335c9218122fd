package main

// The crash soak's invariants, checked from the files of the state dir and
// the answers the clients got.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
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

// Each check reads only what was added since the check before. The
// journal and signatures.jsonl only grow: a check compares the bytes read
// before with the start of the file (a change is a violation) and reads on
// from there, and it checks only the answers the clients got since. What
// a newer file could change in an earlier verdict is checked again every
// time: the keys that authorized the node signatures seen are still
// trusted, the released AUMs are still stored, and the chain head descends
// from the head seen before. Every fullCheckEvery kills, and at the end, a
// full check forgets all that, starts over and also runs signet chain
// verify and signet journal verify. (The daemon itself verifies the whole
// journal each time it starts.)
const fullCheckEvery = 50

// downSeen is what checkDown verified after the kills before.
type downSeen struct {
	answers map[string]int         // request id → answers checked
	signers map[string]tka.KeyID   // keys that authorized the node signatures checked
	aums    map[tka.AUMHash]string // AUMs released → the request id
	head    tka.AUMHash            // the chain head
}

// upSeen is what checkUp verified after the kills before.
type upSeen struct {
	answers map[string]int       // request id → answers checked
	first   map[string][2]string // request id → its first signed answer, canonical and described
	journal []byte               // journal.log as far as verified
	sum     signer.Summary       // its summary
	issued  map[string][]uint64  // request id → seqs of its "issued" records
	index   []byte               // signatures.jsonl as far as read
	byNode  map[string][]indexLine
}

// checkDown runs with the daemon stopped: the chain store opens (and
// verifies, in a full check), its head moved only forward, and every node signature and AUM the clients
// got is in it.
func (r *crashRig) checkDown(full bool) {
	r.t.Helper()
	if full {
		if out, err := r.signet("chain", "verify", "--state", r.dir); err != nil {
			r.violation("signet chain verify: %v: %s", err, strings.TrimSpace(out))
			return
		}
	}
	if full || r.down.answers == nil {
		r.down = downSeen{answers: map[string]int{}, signers: map[string]tka.KeyID{}, aums: map[tka.AUMHash]string{}, head: r.down.head}
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
	r.checkHead(st, auth)
	for _, key := range r.down.signers {
		if !auth.KeyTrusted(key) {
			r.violation("key %s authorized released node signatures but is no longer trusted", tka.FormatTLPub(key))
		}
	}
	for _, g := range r.received(r.down.answers) {
		for nk, sig := range g.nodes {
			k, err1 := tka.ParseNodeKey(nk)
			raw, err2 := hex.DecodeString(sig)
			if err1 != nil || err2 != nil {
				r.violation("request %s: unreadable signature for %s", g.id, nk)
				continue
			}
			if err := auth.NodeKeyAuthorized(k, raw); err != nil {
				r.violation("request %s: the authority rejects the signature released for %s: %v", g.id, nk, err)
				continue
			}
			s, _ := tka.DecodeNodeKeySignature(raw)
			key, _ := s.AuthorizingKeyID()
			r.down.signers[string(key)] = key
		}
		for _, blob := range g.aums {
			u, err := tka.ParseHexAUM(blob)
			if err != nil {
				r.violation("request %s: unreadable AUM: %v", g.id, err)
				continue
			}
			r.down.aums[u.Hash()] = g.id
		}
	}
	for h, id := range r.down.aums {
		if _, err := st.AUM(h); err != nil {
			r.violation("request %s: AUM %v was released but is not in the chain store: %v", id, h, err)
		}
	}
}

// checkHead checks that the chain head descends from the one seen after
// the kill before (or is it).
func (r *crashRig) checkHead(st *signer.ChainStore, auth *tka.Authority) {
	old := r.down.head
	r.down.head = auth.Head()
	if old == (tka.AUMHash{}) {
		return
	}
	for h := auth.Head(); h != old; {
		u, err := st.AUM(h)
		if err != nil || h == auth.Oldest() {
			r.violation("the chain head went from %v to %v, which does not descend from it", old, auth.Head())
			return
		}
		h, _ = u.Parent()
	}
}

// checkUp runs with the daemon started and idle: the journal verifies and
// agrees with the signature index and the answers.
func (r *crashRig) checkUp(full bool) {
	r.t.Helper()
	if full {
		if out, err := r.signet("journal", "verify", "--state", r.dir); err != nil {
			r.violation("signet journal verify: %v: %s", err, strings.TrimSpace(out))
		}
	}
	if full || r.up.answers == nil {
		r.up = upSeen{answers: map[string]int{}, first: map[string][2]string{}, issued: map[string][]uint64{}, byNode: map[string][]indexLine{}}
	}
	r.checkFiles()
}

type indexLine struct {
	Request   string `json:"request"`
	NodeKey   string `json:"node_key"`
	Signature string `json:"signature"`
}

// checkFiles checks what was added to the journal and signatures.jsonl,
// and the new answers against them.
func (r *crashRig) checkFiles() {
	r.t.Helper()
	journal, err1 := os.ReadFile(statedir.Path(r.dir, statedir.Journal))
	index, err2 := os.ReadFile(statedir.Path(r.dir, statedir.SigIndex))
	if err := errors.Join(err1, err2); err != nil {
		r.violation("reading the journal and signatures.jsonl: %v", err)
		return
	}
	if !bytes.HasPrefix(journal, r.up.journal) || !bytes.HasPrefix(index, r.up.index) {
		r.violation("journal.log or signatures.jsonl changed in the bytes read after an earlier kill")
		r.checkUp(true)
		return
	}
	if !r.readJournal(journal) || !r.readIndex(index) {
		return
	}
	for _, g := range r.received(r.up.answers) {
		r.checkAnswer(g)
	}
}

// readJournal verifies the records after those verified before: no
// request is issued twice, none is released before it was issued.
func (r *crashRig) readJournal(journal []byte) bool {
	u := &r.up
	sum, err := signer.VerifyAppended(u.sum, bytes.NewReader(journal[len(u.journal):]), func(rec signer.Record) error {
		id := rec.RequestID
		switch rec.Type {
		case signer.RecIssued:
			u.issued[id] = append(u.issued[id], rec.Seq)
			if len(u.issued[id]) > 1 {
				r.violation("request %s has %d issued records (seqs %v): signed more than once", id, len(u.issued[id]), u.issued[id])
			}
		case signer.RecReleased:
			if len(u.issued[id]) == 0 {
				r.violation("request %s was released (seq %d) without an earlier issued record", id, rec.Seq)
			}
		}
		return nil
	})
	u.journal, u.sum = journal[:sum.Size], sum
	if err != nil {
		r.violation("the journal does not verify: %v", err)
		return false
	}
	return true
}

// readIndex reads the lines of signatures.jsonl after those read before:
// no node key is signed twice.
func (r *crashRig) readIndex(index []byte) bool {
	u := &r.up
	for rest := index[len(u.index):]; len(rest) > 0; rest = index[len(u.index):] {
		n := bytes.IndexByte(rest, '\n')
		if n < 0 {
			r.violation("signatures.jsonl ends in a partial line")
			return false
		}
		var l indexLine
		if err := json.Unmarshal(rest[:n], &l); err != nil {
			r.violation("reading signatures.jsonl: %v", err)
			return false
		}
		u.byNode[l.NodeKey] = append(u.byNode[l.NodeKey], l)
		if lines := u.byNode[l.NodeKey]; len(lines) > 1 {
			r.violation("node %s was signed %d times (requests %v)", l.NodeKey, len(lines), lines)
		}
		u.index = index[:len(u.index)+n+1]
	}
	return true
}

// checkAnswer checks one request's new answers: they agree with its first
// one, each signature is in the index, and its request has an issued
// record.
func (r *crashRig) checkAnswer(g answerGroup) {
	u := &r.up
	first, ok := u.first[g.id]
	if !ok {
		first = [2]string{g.canon[0], g.desc[0]}
		u.first[g.id] = first
	}
	for i := range g.canon {
		if g.canon[i] != first[0] {
			r.violation("request %s (%s) got different signed answers: first %s, then %s", g.id, g.kind, first[1], g.desc[i])
		}
	}
	for nk, sig := range g.nodes {
		i := slices.IndexFunc(u.byNode[nk], func(l indexLine) bool { return l.Signature == sig })
		if i < 0 {
			r.violation("request %s: the signature released for %s is not in signatures.jsonl", g.id, nk)
			continue
		}
		if owner := u.byNode[nk][i].Request; len(u.issued[owner]) == 0 {
			r.violation("request %s: the signature released for %s (made for request %s) has no issued record in the journal", g.id, nk, owner)
		}
	}
	if len(g.aums) > 0 && len(u.issued[g.id]) == 0 {
		r.violation("request %s: AUMs were released without an issued record", g.id)
	}
}

// answerGroup is what one request id released, over all its answers.
type answerGroup struct {
	id    string
	kind  api.Kind
	desc  []string          // each signed answer, described
	nodes map[string]string // node key → signature
	aums  []string
	canon []string // each signed answer's signatures, in a comparable form
}

// received groups the signed answers the clients got since seen (request
// id → answers looked at before), which it moves on.
func (r *crashRig) received(seen map[string]int) []answerGroup {
	l := r.log
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []answerGroup
	for _, id := range l.order {
		answers := l.answers[id]
		if seen[id] == len(answers) {
			continue
		}
		g := answerGroup{id: id, kind: l.reqs[id].Kind, nodes: map[string]string{}}
		for _, resp := range answers[seen[id]:] {
			if resp.Status != api.StatusSigned && resp.Status != api.StatusAlreadySigned {
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
		seen[id] = len(answers)
		if len(g.canon) > 0 {
			out = append(out, g)
		}
	}
	return out
}
