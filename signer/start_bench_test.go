package signer

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// bigState writes a state dir as a busy box leaves it: a chain of aums
// AUMs (journaled as imported), and requests released sign-node requests,
// each with its four journal records and its line in the index. The
// files are written directly (one fsync each, not one per record) so the
// benchmark starts in seconds; they are what the daemon would write.
func bigState(b *testing.B, dir string, requests, aums int) {
	b.Helper()
	ctx := context.Background()
	c, err := chaingen.Build(aums, nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err := OpenChainStore(dir)
	if err != nil {
		b.Fatal(err)
	}
	a, err := tka.Bootstrap(st, c.Genesis)
	if err == nil {
		err = a.Inform(st, c.Updates)
	}
	st.Close()
	if err != nil {
		b.Fatal(err)
	}
	jf, err := os.Create(filepath.Join(dir, statedir.Journal))
	if err != nil {
		b.Fatal(err)
	}
	xf, err := os.Create(filepath.Join(dir, statedir.SigIndex))
	if err != nil {
		b.Fatal(err)
	}
	jw, xw := bufio.NewWriter(jf), bufio.NewWriter(xf)
	prev, seq := zeroHash, uint64(0)
	now := time.Now().UTC()
	put := func(r Record) {
		seq++
		r.Seq, r.Time, r.Prev = seq, now, prev
		line, err := sealRecord(&r)
		if err != nil {
			b.Fatal(err)
		}
		prev = r.Hash
		jw.Write(line)
	}
	put(Record{Type: RecNote, Detail: map[string]string{"message": "imported", detailHead: a.Head().String()}})
	signer := chaingen.NewKey(2)
	for i := range requests {
		var nk tka.NodeKey
		copy(nk[:], fmt.Sprintf("big-%08d", i))
		sig, err := tka.SignNodeKey(ctx, signer, nk, nil)
		if err != nil {
			b.Fatal(err)
		}
		raw := sig.Serialize()
		id := fmt.Sprintf("req-%08d", i)
		line, _ := json.Marshal(sigLine{Request: id, NodeKey: nk.String(), Signature: hex.EncodeToString(raw)})
		xw.Write(append(line, '\n'))
		base := Record{RequestID: id, Kind: api.KindSignNode, Requester: "uid 1000 (bench)", Digest: hashHex(raw)}
		rec := base
		rec.Type, rec.Detail = RecReceived, map[string]string{"fingerprint": hashHex([]byte(id)), "node_key": nk.String()}
		put(rec)
		rec = base
		rec.Type, rec.Outcome, rec.Detail = RecDecision, OutcomeApproved, map[string]string{"operator": "bench"}
		put(rec)
		rec = base
		rec.Type, rec.SigHash = RecIssued, hashHex(raw)
		put(rec)
		rec = base
		rec.Type = RecReleased
		put(rec)
	}
	for _, w := range []*bufio.Writer{jw, xw} {
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range []*os.File{jf, xf} {
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkStart measures a daemon start on a busy box's state dir
// (20,000 released requests, 80,001 journal records, a 1,001-AUM chain):
// opening the chain store, opening the journal (its one pass: verify and
// gather the history) and NewService (the start checks, including the
// index, and the replay). It prints the median start and, for scale, the
// median of one bare verifying pass over the journal.
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	bigState(b, dir, 20000, 1000)
	soft.UseCheapKDFForTests()
	keyPath := statedir.Path(b.TempDir(), statedir.SoftKey)
	if _, err := soft.Create(context.Background(), keyPath, &scripted{}); err != nil {
		b.Fatal(err)
	}
	box, err := soft.Open(context.Background(), keyPath, &scripted{})
	if err != nil {
		b.Fatal(err)
	}
	defer box.Close()
	fi, _ := os.Stat(filepath.Join(dir, statedir.Journal))
	var starts, passes, opens, services []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := Verify(filepath.Join(dir, statedir.Journal)); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		st, err := OpenChainStore(dir)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		j, err := OpenJournal(dir)
		if err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		svc, err := NewService(Config{Store: st, Key: box, Prompt: &scripted{}, Journal: j, Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		starts, passes = append(starts, time.Since(t1)), append(passes, t1.Sub(t0))
		opens, services = append(opens, t3.Sub(t2)), append(services, time.Since(t3))
		svc.Close()
		j.Close()
		st.Close()
	}
	ms := func(ds []time.Duration) float64 { return float64(medianDuration(ds)) / float64(time.Millisecond) }
	b.ReportMetric(ms(starts), "ms-start")
	fmt.Printf("FIGURE start-20k-requests %.0f ms\nFIGURE start-20k-open-journal %.0f ms\nFIGURE start-20k-checks-and-replay %.0f ms\n", ms(starts), ms(opens), ms(services))
	fmt.Printf("FIGURE start-20k-bare-journal-pass %.0f ms\nFIGURE start-journal-size %.1f MB\n", ms(passes), float64(fi.Size())/1e6)
	fmt.Printf("RATIO start-open-journal-over-one-pass %.2fx\nRATIO start-over-one-journal-pass %.2fx\n", ms(opens)/ms(passes), ms(starts)/ms(passes))
}
