package signer

// Disk full at every step of a request (issue 12, item 13), on a real
// tmpfs. A full tmpfs refuses only writes that need a new page, so each
// case first measures, on an identical state dir on ordinary disk, how
// long each write of the request is, then places the end of the file the
// failing step writes so that exactly that write needs a new page: a note
// of the right length pads the journal, an empty index makes its first
// write need one, and padding keys in the genesis place the end of
// chain.log. Then the tmpfs is filled and the request sent through the
// real Service. The error must say exactly what was signed and released,
// and a restart must accept the files as they are.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/tmpfstest"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// dfClock is the fixed clock of the disk-full state dirs: every record
// has the same length in the measuring run and in the real one.
var dfClock = time.Date(2099, 1, 2, 3, 4, 5, 123456789, time.UTC)

// dfState is a state dir for one disk-full case.
type dfState struct {
	dir     string
	keyPath string
	prompt  *scripted
	box     hsm.Key
	st      *ChainStore
	j       *Journal
	svc     *Service
}

// buildDF makes a state dir in dir: a soft key (its file elsewhere), a
// genesis trusting it, another key and padKeys keys with metadata of
// metaBytes each, and, with signed, one released sign-node request.
func buildDF(t *testing.T, dir string, padKeys, metaBytes int, signed bool) *dfState {
	t.Helper()
	ctx := context.Background()
	d := &dfState{dir: dir, prompt: &scripted{}}
	d.keyPath = statedir.Path(t.TempDir(), statedir.SoftKey)
	soft.UseCheapKDFForTests()
	if _, err := soft.Create(ctx, d.keyPath, d.prompt); err != nil {
		t.Fatal(err)
	}
	var err error
	if d.box, err = soft.Open(ctx, d.keyPath, d.prompt); err != nil {
		t.Fatal(err)
	}
	if d.st, err = OpenChainStore(dir); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tka.Create(ctx, d.st, dfGenesis(d.box, padKeys, metaBytes), d.box); err != nil {
		t.Fatal(err)
	}
	if d.j, err = OpenJournal(dir); err != nil {
		t.Fatal(err)
	}
	d.j.now = func() time.Time { return dfClock }
	if d.svc, err = NewService(Config{Store: d.st, Key: d.box, Prompt: d.prompt, Journal: d.j, Insecure: true, Dir: dir, Now: func() time.Time { return dfClock }}); err != nil {
		t.Fatal(err)
	}
	if signed {
		if r := d.svc.Handle(ctx, &api.Request{ID: "s0", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()}, "tester"); r.Status != api.StatusSigned {
			t.Fatalf("s0: %+v", r)
		}
	}
	return d
}

func (d *dfState) close() {
	d.svc.Close()
	d.j.Close()
	d.st.Close()
	d.box.Close()
}

func dfGenesis(box tka.Signer, padKeys, metaBytes int) tka.State {
	keys := []tka.Key{tka.NewEd25519Key(box.PublicKey(), 2), tka.NewEd25519Key(chaingen.NewKey(42).PublicKey(), 1)}
	for i := range padKeys {
		k := tka.NewEd25519Key(chaingen.NewKey(uint64(100+i)).PublicKey(), 1)
		k.Meta = map[string]string{"p": strings.Repeat("x", metaBytes)}
		keys = append(keys, k)
	}
	return tka.State{Keys: keys, DisablementValues: [][]byte{dfDisablement()}, StateID1: 11, StateID2: 22}
}

// dfDisablement is the genesis' disablement value, derived once: the KDF
// is slow on purpose.
var dfDisablement = sync.OnceValue(func() []byte { return tka.DisablementKDF([]byte("secret")) })

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// pad journals a note of exactly n bytes more than an empty pad.
func (d *dfState) pad(t *testing.T, n int) {
	t.Helper()
	if _, err := d.j.Append(Record{Type: RecNote, Detail: map[string]string{"pad": strings.Repeat("x", n)}}); err != nil {
		t.Fatal(err)
	}
}

// dfCase is one step to fail.
type dfCase struct {
	step string
	// target is the request whose step fails (a delivered report for
	// "delivered", after the request).
	target *api.Request
	signed bool // the base state has one released sign-node request
	// slack says how many bytes the journal's last page must have free,
	// given the lengths of the target's records in order.
	slack func(recs []int) int
	want  string // in the error
	// pending is what the journal shows for the target after a restart
	// ("" for done).
	pending PendingState
}

var dfSign = &api.Request{ID: "t1", Kind: api.KindSignNode, NodeKey: nodeKey(50).String()}
var dfAdd = &api.Request{ID: "t2", Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(77).PublicKey())}

func sum(recs []int, n int) int {
	s := 0
	for _, r := range recs[:n] {
		s += r
	}
	return s
}

func TestDiskFullEveryStep(t *testing.T) {
	big := func(recs []int) int { return sum(recs, len(recs)) + 1 }
	for _, c := range []dfCase{
		{"received", dfSign, true, func([]int) int { return 0 }, "the journal could not be written, so nothing will be signed", ""},
		{"decision", dfSign, true, func(r []int) int { return sum(r, 1) }, "the journal could not be written, so nothing will be signed", PendingUndecided},
		{"index", dfSign, false, big, "request t1: the key signed 1 node key(s), but signatures.jsonl could not be written, so nothing was released and the signatures were discarded", PendingApproved},
		{"issued", dfSign, true, func(r []int) int { return sum(r, 2) }, "request t1: the key signed it, but the journal could not record it, so nothing was released and the signature was discarded", PendingApproved},
		{"chain", dfAdd, true, big, "request t2: signed and journaled (record #", PendingIssued},
		{"released", dfSign, true, func(r []int) int { return sum(r, 3) }, "request t1: signed and journaled (record #", PendingIssued},
		{"delivered", dfSign, true, func(r []int) int { return sum(r, 4) }, "the delivery of request t1 was not recorded", ""},
	} {
		t.Run(c.step, func(t *testing.T) { runDiskFull(t, c) })
	}
}

// runDiskFull measures the case on ordinary disk, then runs it on a full
// tmpfs and restarts on what is left.
func runDiskFull(t *testing.T, c dfCase) {
	ctx := context.Background()
	padKeys, meta := 0, 0
	if c.step == "chain" {
		padKeys, meta = chainPadding(t)
	}
	// Measure: the same state dir and requests on ordinary disk.
	m := buildDF(t, t.TempDir(), padKeys, meta, c.signed)
	j0 := fileSize(t, m.j.Path())
	m.pad(t, 0)
	empty := int(fileSize(t, m.j.Path()) - j0)
	if r := m.svc.Handle(ctx, c.target, "tester"); r.Status != api.StatusSigned {
		t.Fatalf("measuring run: %+v", r)
	}
	if c.step == "delivered" {
		if _, err := m.svc.Delivered(api.DeliveredRequest{ID: "t1", NodeKey: dfSign.NodeKey, Via: "test"}, "tester"); err != nil {
			t.Fatal(err)
		}
	}
	var recs []int
	_ = m.j.Scan(func(r Record) error {
		if r.RequestID == c.target.ID {
			line, _ := sealRecord(&r)
			recs = append(recs, len(line))
		}
		return nil
	})
	m.close()

	// The real run, on a tmpfs filled up after padding the journal.
	d := buildDF(t, tmpfstest.Mount(t, 512), padKeys, meta, c.signed)
	defer func() { d.close() }()
	want := int64(4096-c.slack(recs)%4096) % 4096 // the journal's size after the pad, mod 4096
	n := int((want - (fileSize(t, d.j.Path())+int64(empty))%4096 + 2*4096) % 4096)
	d.pad(t, n)
	idx, chain := fileSize(t, filepath.Join(d.dir, statedir.SigIndex)), fileSize(t, d.st.Path())
	tmpfstest.Fill(t, d.dir)
	reviews := len(d.prompt.reviews())
	var err error
	if c.step == "delivered" {
		if r := d.svc.Handle(ctx, c.target, "tester"); r.Status != api.StatusSigned {
			t.Fatalf("the request before the report: %+v", r)
		}
		_, err = d.svc.Delivered(api.DeliveredRequest{ID: "t1", NodeKey: dfSign.NodeKey, Via: "test"}, "tester")
	} else if r := d.svc.Handle(ctx, c.target, "tester"); r.Status != api.StatusError {
		t.Fatalf("want an error at the %s step, got %+v", c.step, r)
	} else {
		err = errors.New(r.Error)
	}
	if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("%s step: want %q and the cause, got %v", c.step, c.want, err)
	}
	t.Logf("%s: %v", c.step, err)
	if got := len(d.prompt.reviews()) - reviews; (c.step == "received") != (got == 0) {
		t.Fatalf("%d reviews shown", got)
	}
	// What was recorded is exactly what the error says.
	if c.step != "released" && c.step != "delivered" && fileSize(t, filepath.Join(d.dir, statedir.SigIndex)) != idx {
		t.Fatal("signatures.jsonl keeps lines of a request that was not issued")
	}
	if fileSize(t, d.st.Path()) != chain {
		t.Fatal("chain.log changed although nothing was released")
	}

	// Room again, and a restart: the files agree, and the request is where
	// the error said it stopped.
	if err := os.Remove(filepath.Join(d.dir, "filler")); err != nil {
		t.Fatal(err)
	}
	d.close()
	d2 := reopenDF(t, d)
	d = d2
	var state PendingState
	for _, p := range d.j.Pending() {
		if p.RequestID == c.target.ID {
			state = p.State
		}
	}
	if state != c.pending {
		t.Fatalf("after a restart %s is %q, want %q", c.target.ID, state, c.pending)
	}
	if _, err := CheckStateDir(d.dir, d.box.PublicKey(), nil); err != nil {
		t.Fatalf("the files disagree after the restart: %v", err)
	}
	// What the error promised about sending it again holds.
	reviews = len(d.prompt.reviews())
	r := d.svc.Handle(ctx, c.target, "tester")
	switch c.pending {
	case PendingApproved, PendingUndecided:
		if r.Status != api.StatusSigned || len(d.prompt.reviews()) != reviews+1 {
			t.Fatalf("sent again, %s must be reviewed and signed: %+v", c.target.ID, r)
		}
	case PendingIssued:
		if len(d.prompt.reviews()) != reviews {
			t.Fatalf("sent again, %s was reviewed a second time: %+v", c.target.ID, r)
		}
	}
}

// reopenDF opens d's state dir again, as a new daemon process would.
func reopenDF(t *testing.T, d *dfState) *dfState {
	t.Helper()
	ctx := context.Background()
	n := &dfState{dir: d.dir, keyPath: d.keyPath, prompt: d.prompt}
	var err error
	if n.box, err = soft.Open(ctx, d.keyPath, n.prompt); err != nil {
		t.Fatal(err)
	}
	if n.st, err = OpenChainStore(d.dir); err != nil {
		t.Fatal(err)
	}
	if n.j, err = OpenJournal(d.dir); err != nil {
		t.Fatalf("the journal after a full disk: %v", err)
	}
	if n.svc, err = NewService(Config{Store: n.st, Key: n.box, Prompt: n.prompt, Journal: n.j, Insecure: true, Dir: d.dir}); err != nil {
		t.Fatalf("the restart after a full disk refuses: %v", err)
	}
	return n
}

// chainPadding finds padding keys for the genesis that leave less room in
// chain.log's last page than an add-key commit needs.
func chainPadding(t *testing.T) (int, int) {
	t.Helper()
	ctx := context.Background()
	m := buildDF(t, t.TempDir(), 0, 0, false)
	before := fileSize(t, m.st.Path())
	if r := m.svc.Handle(ctx, dfAdd, "tester"); r.Status != api.StatusSigned {
		t.Fatalf("measuring the commit: %+v", r)
	}
	commit := fileSize(t, m.st.Path()) - before
	m.close()
	for keys := 6; keys <= 9; keys++ {
		for meta := 100; meta <= 500; meta++ {
			st := tka.NewMemStore()
			_, g, err := tka.Create(ctx, st, dfGenesis(chaingen.NewKey(1), keys, meta), chaingen.NewKey(1))
			if err != nil {
				t.Fatal(err)
			}
			size := int64(len(chainMagic)) + recHeader + int64(len(g.Serialize())) + recHeader + 32
			if slack := (4096 - size%4096) % 4096; slack < commit {
				return keys, meta
			}
		}
	}
	t.Fatal("no genesis padding places the end of chain.log near a page end")
	return 0, 0
}
