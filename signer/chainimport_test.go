package signer

import (
	"errors"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

// failAppender refuses every record after the first ok of them.
type failAppender struct {
	j  *Journal
	ok int
}

var errJournalFull = errors.New("journal full")

func (f *failAppender) Append(r Record) (Record, error) {
	if f.ok == 0 {
		return Record{}, errJournalFull
	}
	f.ok--
	return f.j.Append(r)
}

func openImportDir(t *testing.T) (*Journal, *ChainStore) {
	t.Helper()
	dir := t.TempDir()
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	st, err := OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return j, st
}

func TestImportChain(t *testing.T) {
	c, err := chaingen.Build(5, nil)
	if err != nil {
		t.Fatal(err)
	}
	aums := append([]*tka.AUM{c.Genesis}, c.Updates...)
	j, st := openImportDir(t)
	a, added, err := ImportChain(j, st, aums, "log.json")
	if err != nil || added != 6 || a.Head() != c.Updates[4].Hash() {
		t.Fatalf("first import: added %d, %v", added, err)
	}
	last, _ := j.Last()
	if last.Type != RecNote || last.Detail[DetailMessage] != "imported 6 AUMs with signet chain import" || last.Detail[detailHead] != a.Head().String() {
		t.Errorf("the last record does not note the import: %+v", last)
	}
	seq := last.Seq
	// Again: nothing new, nothing journaled.
	a, added, err = ImportChain(j, st, aums, "log.json")
	if err != nil || added != 0 || a.Head() != c.Updates[4].Hash() {
		t.Fatalf("second import: added %d, %v", added, err)
	}
	if last, _ := j.Last(); last.Seq != seq {
		t.Errorf("an import that adds nothing journaled record %d", last.Seq)
	}
}

func TestImportChainRefused(t *testing.T) {
	c, err := chaingen.Build(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, st := openImportDir(t)
	_, _, err = ImportChain(j, st, c.Updates, "-")
	if !errors.Is(err, tka.ErrChainStart) || !strings.HasPrefix(err.Error(), "-: refused, the chain store is unchanged: ") || st.Len() != 0 {
		t.Fatalf("no genesis: %v, %d stored", err, st.Len())
	}
	aums := append([]*tka.AUM{c.Genesis}, c.Updates...)
	_, _, err = ImportChain(&failAppender{j: j}, st, aums, "-")
	if !errors.Is(err, errJournalFull) || !strings.HasPrefix(err.Error(), "the chain store is unchanged: ") || st.Len() != 0 {
		t.Fatalf("journal refuses the note: %v, %d stored", err, st.Len())
	}
	_, added, err := ImportChain(&failAppender{j: j, ok: 1}, st, aums, "-")
	if !errors.Is(err, errJournalFull) || added != 4 || !strings.Contains(err.Error(), "imported 4 AUMs (head ") {
		t.Fatalf("journal refuses the head: added %d, %v", added, err)
	}
}
