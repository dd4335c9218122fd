package signer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/signetbox/signet/statedir"
)

// TestVerifyAppended verifies a journal in two parts, cut after every
// record, and checks the result is Verify's; then it breaks the first
// appended record's link and tears the last line.
func TestVerifyAppended(t *testing.T) {
	j, dir := openTestJournal(t)
	for i := range 3 {
		appendLife(t, j, fmt.Sprintf("req-%d", i))
	}
	path := filepath.Join(dir, statedir.Journal)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := Verify(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	cut := 0
	for i, l := range lines[:len(lines)-1] {
		cut += len(l)
		prefix, err := VerifyAppended(Summary{}, bytes.NewReader(data[:cut]), nil)
		if err != nil || prefix.Records != i+1 {
			t.Fatalf("prefix of %d records: %+v, %v", i+1, prefix, err)
		}
		var seqs []uint64
		sum, err := VerifyAppended(prefix, bytes.NewReader(data[cut:]), func(r Record) error { seqs = append(seqs, r.Seq); return nil })
		if err != nil || sum.Records != whole.Records || sum.Head != whole.Head || sum.Size != whole.Size || !sum.First.Equal(whole.First) {
			t.Fatalf("cut after record %d: %+v, %v; want %+v", i+1, sum, err, whole)
		}
		if len(seqs) != whole.Records-i-1 || (len(seqs) > 0 && seqs[0] != uint64(i+2)) {
			t.Fatalf("cut after record %d: visited %v", i+1, seqs)
		}
	}
	prefix, _ := VerifyAppended(Summary{}, bytes.NewReader(data[:len(lines[0])]), nil)
	rest := data[len(lines[0])+len(lines[1]):] // record 2 is missing
	var chain *ChainError
	if _, err := VerifyAppended(prefix, bytes.NewReader(rest), nil); !errors.As(err, &chain) || chain.Seq != 2 {
		t.Fatalf("with record 2 missing: %v, want a *ChainError at record 2", err)
	}
	var torn *TornError
	if _, err := VerifyAppended(prefix, bytes.NewReader(data[len(lines[0]):len(data)-1]), nil); !errors.As(err, &torn) || torn.Offset != int64(len(data)-len(lines[len(lines)-2])) {
		t.Fatalf("with the last line torn: %v, want a *TornError at its start", err)
	}
}
