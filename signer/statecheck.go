package signer

// Rules for this file: the start checks. The journal, the chain store, the
// signature index and the key files must tell one story, and every start
// checks that they do before anything is served or written:
//
//   - every line of signatures.jsonl belongs to a request whose "issued"
//     record it matches (the SigHash over its signatures), except the
//     lines of an approved request a crash stopped before its "issued"
//     record, which can only be the last ones; and every issued request
//     that signed node keys has its lines, unless a repair journaled
//     them as lost;
//   - every AUM an issued and released request names, and every AUM a
//     note names as stored, is in chain.log; and every AUM in chain.log
//     that this box's key signed (genesis aside) was issued by a journaled
//     request;
//   - the key files are the ones the journal pinned.
//
// The checks only read. What a start may write afterwards (Repair) is
// limited to tails an interrupted write leaves: an incomplete chain
// commit, a partial index line, the index lines of a request that was
// never issued. Each is moved aside, never deleted, and journaled.

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// StateError means the files of the state dir disagree. The daemon does
// not serve until the named file is restored or repaired.
type StateError struct {
	Problem string // what disagrees, naming the record or file
	Fix     string // what to do
}

func (e *StateError) Error() string { return e.Problem + "; " + e.Fix }

// StartCheck is the verdict of the start checks on a state dir whose files
// agree: what the index holds, and what Repair must still do.
type StartCheck struct {
	dir   string
	index *indexContents
	// keep is how many bytes of the index hold lines of issued requests;
	// what follows is moved aside by Repair (unless newline is set).
	keep int64
	// newline is set when the last line of an issued request lacks its
	// newline: Repair adds it instead.
	newline bool
	// unissued are requests whose index lines are cut by Repair.
	unissued []string
	// byReq are the index lines of each issued request, in order.
	byReq map[string][]sigEntry
	chain *ChainStore
	// pin is set when the key files must be pinned in the journal (none
	// were, or `signet key init` replaced them): name → digest.
	pin    map[string]string
	pinWhy string
	// pinChain is set when the journal explains no AUM of a non-empty
	// chain (a state dir from an older signet): Repair names its heads.
	pinChain bool
	// repaired is set once Repair ran.
	repaired bool
}

// CheckStart runs the start checks on the state dir dir, whose chain
// store and journal are open. boxPub is the box's public key (from
// key.pub) and keyFiles the names of the key files to pin; either may be
// empty to skip those checks. It reads and never writes.
func CheckStart(dir string, store *ChainStore, j *Journal, boxPub ed25519.PublicKey, keyFiles []string) (*StartCheck, error) {
	x, err := readSigIndex(filepath.Join(dir, statedir.SigIndex))
	if err != nil {
		return nil, err
	}
	var c *StartCheck
	j.withHistory(func(h *history) {
		c, err = checkState(dir, h, store, x, boxPub, keyFiles)
	})
	return c, err
}

// CheckStateDir runs the start checks on the state dir dir without
// opening anything for writing and without the state dir lock: for the
// verify verbs. A missing chain store is an empty one.
func CheckStateDir(dir string, boxPub ed25519.PublicKey, keyFiles []string) (*StartCheck, error) {
	h := newHistory()
	if _, err := ScanFile(filepath.Join(dir, statedir.Journal), func(r Record) error { h.add(r); return nil }); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var store *ChainStore
	if _, err := os.Stat(filepath.Join(dir, statedir.Chain)); err == nil {
		if store, err = OpenChainStoreReadOnly(dir); err != nil {
			return nil, err
		}
		defer store.Close()
	}
	x, err := readSigIndex(filepath.Join(dir, statedir.SigIndex))
	if err != nil {
		return nil, err
	}
	return checkState(dir, h, store, x, boxPub, keyFiles)
}

func checkState(dir string, h *history, store *ChainStore, x *indexContents, boxPub ed25519.PublicKey, keyFiles []string) (*StartCheck, error) {
	c := &StartCheck{dir: dir, index: x, chain: store, byReq: map[string][]sigEntry{}}
	if err := c.checkIndex(h); err != nil {
		return nil, err
	}
	if err := c.checkChain(h, boxPub); err != nil {
		return nil, err
	}
	if len(keyFiles) > 0 {
		if err := c.checkPin(h, keyFiles); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// restoreIndex is what to do about an index that disagrees with the
// journal.
const restoreIndex = "restore signatures.jsonl from a backup, or run `signet journal repair --rebuild-index` (it keeps every signature that still verifies and journals the others as lost)"

// checkIndex binds the index lines to the journal's issued records.
func (c *StartCheck) checkIndex(h *history) error {
	x := c.index
	bad := func(e sigEntry, format string, args ...any) error {
		return &IndexError{Path: x.path, Line: e.line, Offset: e.off, Reason: fmt.Sprintf(format, args...)}
	}
	lastIssued := -1
	var unissued []int // first entry of each never-issued group
	for i := 0; i < len(x.entries); {
		e := x.entries[i]
		end := i + 1
		for end < len(x.entries) && x.entries[end].request == e.request {
			end++
		}
		group := x.entries[i:end]
		q := h.reqs[e.request]
		switch {
		case c.byReq[e.request] != nil || slices.ContainsFunc(unissued, func(k int) bool { return x.entries[k].request == e.request }):
			return bad(e, "holds signatures of request %s apart from its other lines", e.request)
		case q != nil && q.signsNodes():
			if err := matchIssued(q, group); err != "" {
				return bad(e, "holds %d signature(s) of request %s that %s (journal record #%d)", len(group), e.request, err, q.issued.Seq)
			}
			if len(unissued) > 0 {
				k := x.entries[unissued[0]]
				return bad(k, "holds signatures of request %s, which was never issued, before those of issued request %s", k.request, e.request)
			}
			c.byReq[e.request] = group
			lastIssued = end - 1
		case q != nil && q.issued == nil && q.approvedSeq != 0:
			// A crash between this write and the "issued" record.
			unissued = append(unissued, i)
		default:
			return bad(e, "holds a signature for request %s, which the journal does not show as approved to sign node keys", e.request)
		}
		i = end
	}
	if lastIssued >= 0 {
		e := x.entries[lastIssued]
		c.keep, c.newline = e.off+e.n, e.noNewline
	}
	for _, k := range unissued {
		c.unissued = append(c.unissued, x.entries[k].request)
	}
	return c.checkIssuedHaveLines(h)
}

// matchIssued says how a request's index lines disagree with its issued
// record, "" if they agree.
func matchIssued(q *reqHistory, group []sigEntry) string {
	if n := q.issuedCount(); n != len(group) {
		return fmt.Sprintf("are not the %d its issued record counts", n)
	}
	hashes := make([]string, len(group))
	for i, e := range group {
		hashes[i] = hashHex(e.sig)
	}
	if setHashOf(hashes) != q.issued.SigHash {
		return "do not match the SigHash of its issued record"
	}
	return ""
}

// setHashOf is issued.setHash for a list of hex hashes.
func setHashOf(hashes []string) string {
	if len(hashes) == 1 {
		return hashes[0]
	}
	h := sha256.New()
	for _, s := range hashes {
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkIssuedHaveLines: every issued request that signed node keys has
// its lines, or a record saying a repair lost them.
func (c *StartCheck) checkIssuedHaveLines(h *history) error {
	var missing []*reqHistory
	for id, q := range h.reqs {
		if q.signsNodes() && c.byReq[id] == nil && q.lostSeq == 0 {
			missing = append(missing, q)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.SortFunc(missing, func(a, b *reqHistory) int { return int(a.issued.Seq) - int(b.issued.Seq) })
	q := missing[0]
	return &StateError{
		Problem: fmt.Sprintf("request %s was signed (journal record #%d, issued) but signatures.jsonl does not hold its %d signature(s)%s", q.issued.RequestID, q.issued.Seq, q.issuedCount(), more(len(missing)-1, "request")),
		Fix:     restoreIndex,
	}
}

// more is ", and N more <what>s" for n > 0.
func more(n int, what string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", and %d more %s(s)", n, what)
}

// restoreChain is what to do about a chain store that lost AUMs.
const restoreChain = "chain.log lost AUMs: restore it from a backup, or move it aside and import the tailnet's chain again ('tailscale lock log --json --limit 100000 | signet chain import -')"

// restoreJournal is what to do about a journal that lost records.
const restoreJournal = "the journal lost records: restore journal.log from a backup; keep this state dir for investigation"

// checkChain checks the chain store against the journal both ways: what
// the journal says was stored is there, and everything there is explained
// by a record written before it.
func (c *StartCheck) checkChain(h *history, boxPub ed25519.PublicKey) error {
	has := func(tka.AUMHash) bool { return false }
	if c.chain != nil {
		has = c.chain.Has
	}
	var roots []tka.AUMHash // what the journal explains, with ancestors
	for _, n := range h.heads {
		a, err := tka.ParseAUMHash(n.hash)
		if err != nil || !has(a) {
			return &StateError{Problem: fmt.Sprintf("journal record #%d (note) says AUM %s was stored in the chain, but chain.log does not hold it", n.seq, n.hash), Fix: restoreChain}
		}
		roots = append(roots, a)
	}
	for _, n := range h.adds {
		if a, err := tka.ParseAUMHash(n.hash); err == nil {
			roots = append(roots, a)
		}
	}
	named := map[tka.AUMHash]bool{}
	cosigned := map[string]bool{}
	for _, q := range h.reqs {
		if q.issued != nil && q.kind == api.KindCosign {
			cosigned[q.issued.Digest] = true
		}
		for _, x := range q.issuedAUMs() {
			var a tka.AUMHash
			b, err := hex.DecodeString(x)
			if err != nil || len(b) != len(a) {
				return &StateError{Problem: fmt.Sprintf("journal record #%d (issued) names %q, which is not an AUM hash", q.issued.Seq, x), Fix: restoreJournal}
			}
			copy(a[:], b)
			named[a] = true
			roots = append(roots, a)
			if q.released && !has(a) {
				return &StateError{Problem: fmt.Sprintf("request %s released AUM %v (journal record #%d, issued), but chain.log does not hold it", q.issued.RequestID, a, q.issued.Seq), Fix: restoreChain}
			}
		}
	}
	if c.chain == nil || c.chain.Len() == 0 {
		return nil
	}
	explained, err := c.ancestors(roots)
	if err != nil {
		return err
	}
	if len(explained) == 0 {
		// A state dir from before the journal named chain AUMs: pin its
		// heads now, and check from here on.
		c.pinChain = true
		return nil
	}
	return c.checkExplained(h, boxPub, explained, named, cosigned)
}

// ancestors returns the AUMs of roots the chain holds, and all their
// ancestors.
func (c *StartCheck) ancestors(roots []tka.AUMHash) (map[tka.AUMHash]bool, error) {
	out := map[tka.AUMHash]bool{}
	for _, h := range roots {
		for c.chain.Has(h) && !out[h] {
			out[h] = true
			p, ok, err := c.chain.Parent(h)
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			h = p
		}
	}
	return out, nil
}

// checkExplained: every AUM in the chain is explained by the journal, and
// every one that the box's key signed, other than a genesis (made at
// set-up), was issued by a journaled request.
func (c *StartCheck) checkExplained(h *history, boxPub ed25519.PublicKey, explained, named map[tka.AUMHash]bool, cosigned map[string]bool) error {
	var id tka.KeyID
	if len(boxPub) > 0 {
		id = tka.KeyID(boxPub)
	}
	return c.chain.Each(func(a tka.AUMHash, u *tka.AUM) error {
		if !explained[a] {
			return &StateError{
				Problem: fmt.Sprintf("chain.log holds AUM %v, but no journal record says how it came (the journal has %d records)", a, h.records),
				Fix:     restoreJournal,
			}
		}
		if _, ok := u.Parent(); !ok || id == nil || !signedBy(u, id) || named[a] {
			return nil
		}
		sh := u.SigHash()
		if cosigned[hex.EncodeToString(sh[:])] {
			return nil
		}
		return &StateError{
			Problem: fmt.Sprintf("chain.log holds AUM %v, signed by this box's key, but no journal record issued it (the journal has %d records)", a, h.records),
			Fix:     restoreJournal,
		}
	})
}

func signedBy(u *tka.AUM, id tka.KeyID) bool {
	for _, s := range u.Signatures {
		if string(s.KeyID) == string(id) {
			return true
		}
	}
	return false
}
