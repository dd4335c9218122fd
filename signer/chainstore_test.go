package signer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

func buildStore(t *testing.T, dir string, n int) (*chaingen.Chain, tka.AUMHash) {
	t.Helper()
	c, err := chaingen.Build(n, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := tka.Bootstrap(st, c.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Inform(st, c.Updates); err != nil {
		t.Fatal(err)
	}
	return c, a.Head()
}

func reopenHead(t *testing.T, dir string) (tka.AUMHash, *ChainStore) {
	t.Helper()
	st, err := OpenChainStore(dir)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	a, err := tka.Open(st)
	if err != nil {
		t.Fatalf("opening the authority: %v", err)
	}
	return a.Head(), st
}

func TestChainStoreReopens(t *testing.T) {
	dir := t.TempDir()
	c, head := buildStore(t, dir, 300)
	got, st := reopenHead(t, dir)
	if got != head {
		t.Fatalf("reopened head %v, want %v", got, head)
	}
	if st.Len() != len(c.Updates)+1 {
		t.Fatalf("store holds %d AUMs, want %d", st.Len(), len(c.Updates)+1)
	}
	fi, err := os.Stat(filepath.Join(dir, statedir.Chain))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("chain store mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestChainStoreTornTail: an interrupted last commit is reported, not
// read and not cut on open; CutTorn moves its bytes aside, and every
// acknowledged AUM survives.
func TestChainStoreTornTail(t *testing.T) {
	dir := t.TempDir()
	c, _ := buildStore(t, dir, 40)
	path := filepath.Join(dir, statedir.Chain)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Append half of a record, as a crash in the middle of a write would.
	extra := appendRecord(nil, recAUM, c.Updates[0].Hash(), c.Updates[0].Serialize())
	torn := append(bytes.Clone(before), extra[:len(extra)/2]...)
	if err := os.WriteFile(path, torn, 0o600); err != nil {
		t.Fatal(err)
	}
	got, st := reopenHead(t, dir)
	if want := c.Updates[len(c.Updates)-1].Hash(); got != want {
		t.Fatalf("head after torn tail %v, want %v", got, want)
	}
	tr := st.Torn()
	if tr == nil || tr.Bytes != int64(len(extra)/2) || tr.Offset != int64(len(before)) {
		t.Fatalf("Torn() = %+v, want %d bytes at %d", tr, len(extra)/2, len(before))
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, torn) {
		t.Fatal("opening the store changed the file")
	}
	if err := st.SetLastActiveAncestor(got); err == nil || !strings.Contains(err.Error(), "incomplete commit") {
		t.Fatalf("a write after a torn commit must be refused, got %v", err)
	}
	aside, err := st.CutTorn()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(aside); !bytes.Equal(b, extra[:len(extra)/2]) {
		t.Fatalf("%s holds %d bytes, want the torn %d", aside, len(b), len(extra)/2)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Fatal("CutTorn left more or less than the acknowledged records")
	}
	if st.Torn() != nil {
		t.Fatal("Torn() after CutTorn")
	}
}

// TestChainStoreLastRecordDamaged: a complete last record that fails its
// check is corruption, never a torn write, for a flip of any of its bytes
// (kind, length, digest or data), in the read-write and the read-only
// store, and the file is left as it was.
func TestChainStoreLastRecordDamaged(t *testing.T) {
	dir := t.TempDir()
	c, _ := buildStore(t, dir, 3)
	path := filepath.Join(dir, statedir.Chain)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	last := c.Updates[len(c.Updates)-1]
	start := len(good) - recHeader - len(last.Serialize())
	for i := start; i < len(good); i++ {
		for _, mask := range []byte{0x01, 0x80} {
			b := bytes.Clone(good)
			b[i] ^= mask
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, open := range []func(string) (*ChainStore, error){OpenChainStore, OpenChainStoreReadOnly} {
				st, err := open(dir)
				var ce *ChainCorruptError
				if !errors.As(err, &ce) || ce.Offset != int64(start) {
					if err == nil {
						st.Close()
					}
					t.Fatalf("byte %d of the last record ^%#x: want a corruption error at byte %d, got %v", i-start, mask, start, err)
				}
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, b) {
				t.Fatalf("byte %d ^%#x: a refused store was modified", i-start, mask)
			}
		}
	}
}

// TestChainStoreCorruptMiddle: damage followed by good records is refused
// with a clear error, and the file is left as it was.
func TestChainStoreCorruptMiddle(t *testing.T) {
	dir := t.TempDir()
	buildStore(t, dir, 40)
	path := filepath.Join(dir, statedir.Chain)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(chainMagic)+recHeader+3] ^= 0xff // inside the first record's data
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = OpenChainStore(dir)
	if err == nil || !strings.Contains(err.Error(), "is corrupt at byte") || !strings.Contains(err.Error(), "restore it from a backup") {
		t.Fatalf("want a corruption error naming what to do, got %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(b) {
		t.Fatal("a refused store was modified")
	}
}

func TestChainStoreBadMagic(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, statedir.Chain), []byte("not a chain store at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenChainStore(dir); err == nil || !strings.Contains(err.Error(), "not a signet chain store") {
		t.Fatalf("want a bad-magic error, got %v", err)
	}
}

// TestChainStoreKill9 kills a process in the middle of commits, many
// times, and checks the store always reopens to a prefix of what was
// written, never losing an acknowledged commit.
func TestChainStoreKill9(t *testing.T) {
	if os.Getenv("SIGNET_CHAINSTORE_CHILD") != "" {
		childWriter(os.Getenv("SIGNET_CHAINSTORE_CHILD"))
		return
	}
	dir := t.TempDir()
	stored := 0
	kills := 20
	if testing.Short() {
		kills = 5
	}
	for i := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChainStoreKill9$")
		cmd.Env = append(os.Environ(), "SIGNET_CHAINSTORE_CHILD="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the child has acknowledged a few commits, then kill it.
		buf := make([]byte, 64)
		acked := 0
		for acked < 3+i%5 {
			n, err := out.Read(buf)
			if err != nil {
				break
			}
			acked += strings.Count(string(buf[:n]), "ok\n")
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		st, err := OpenChainStore(dir)
		if err != nil {
			t.Fatalf("kill %d: the store does not reopen: %v", i, err)
		}
		if _, err := tka.Open(st); err != nil {
			t.Fatalf("kill %d: the authority does not open: %v", i, err)
		}
		// Every acknowledged commit (8 no-ops each) must have survived.
		if min := stored + 8*acked; st.Len() < min {
			t.Fatalf("kill %d: %d AUMs stored, but %d were acknowledged", i, st.Len(), min)
		}
		stored = st.Len()
		st.Close()
	}
}

// childWriter appends commits forever, printing "ok" after each.
func childWriter(dir string) {
	st, err := OpenChainStore(dir)
	if err != nil {
		panic(err)
	}
	if _, err := st.CutTorn(); err != nil { // as the daemon's start does
		panic(err)
	}
	a, err := tka.Open(st)
	if err != nil {
		c, err := chaingen.Build(0, nil)
		if err != nil {
			panic(err)
		}
		if a, err = tka.Bootstrap(st, c.Genesis); err != nil {
			panic(err)
		}
	}
	signer := chaingen.NewKey(1)
	for {
		b := a.NewBuilder(signer)
		for range 8 {
			if err := b.NoOp(context.Background()); err != nil {
				panic(err)
			}
		}
		updates, err := b.Finalize(context.Background(), st)
		if err != nil {
			panic(err)
		}
		if err := a.Inform(st, updates); err != nil {
			panic(err)
		}
		os.Stdout.WriteString("ok\n")
	}
}
