package signer

// Every AUM in chain.log is explained by the journal: an "issued" record
// names the AUMs the box signed, and a note names the AUMs an import, a
// new authority or news from the tailnet add. The note is written before
// the commit (NoteChainAdds), and a second one after it (NoteChainHead),
// so a journal that lost its last records while the chain kept the AUMs
// they explained is refused at start (statecheck.go).

import (
	"strings"

	"github.com/signetbox/signet/tka"
)

// Appender appends records to a journal; a *Journal is one.
type Appender interface {
	Append(Record) (Record, error)
}

// NoteChainAdds journals, before they are committed to st, the AUMs of
// aums that st does not hold yet: their tips (those no other of them
// names as parent) stand for them and their ancestors. Nothing is
// journaled when st holds them all. If it fails, do not commit.
func NoteChainAdds(j Appender, msg string, st tka.Store, aums []*tka.AUM) error {
	tips := newTips(st, aums)
	if len(tips) == 0 {
		return nil
	}
	_, err := j.Append(Record{Type: RecNote, Detail: map[string]string{DetailMessage: msg, detailAdds: strings.Join(tips, " ")}})
	return err
}

// NoteChainHead journals that the chain store now holds the AUM head
// (after an import, a new authority, news from the tailnet). Every start
// checks that chain.log still holds it.
func NoteChainHead(j Appender, msg string, head tka.AUMHash) error {
	_, err := j.Append(Record{Type: RecNote, Detail: map[string]string{DetailMessage: msg, detailHead: head.String()}})
	return err
}

// newTips lists (base32) the AUMs of aums not in st that no other of them
// names as parent.
func newTips(st tka.Store, aums []*tka.AUM) []string {
	parents := map[tka.AUMHash]bool{}
	seen := map[tka.AUMHash]bool{}
	var fresh []tka.AUMHash
	for _, u := range aums {
		if p, ok := u.Parent(); ok {
			parents[p] = true
		}
		h := u.Hash()
		if _, err := st.AUM(h); err != nil && !seen[h] {
			seen[h] = true
			fresh = append(fresh, h)
		}
	}
	var tips []string
	for _, h := range fresh {
		if !parents[h] {
			tips = append(tips, h.String())
		}
	}
	return tips
}
