package signer

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/statedir"
)

// The tests here re-run the test binary as a child, selected by
// SIGNET_JOURNAL_CHILD=<role>:<dir>.
func init() {
	role, dir, ok := strings.Cut(os.Getenv("SIGNET_JOURNAL_CHILD"), ":")
	if !ok {
		return
	}
	switch role {
	case "append":
		childAppend(dir)
	case "fsize":
		childFileSizeLimit(dir)
	}
	os.Exit(0)
}

func startChild(t *testing.T, role, dir string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SIGNET_JOURNAL_CHILD="+role+":"+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

// childAppend appends records forever, printing "ok <seq>" once each is
// acknowledged.
func childAppend(dir string) {
	j, err := OpenJournal(dir)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	w := bufio.NewWriterSize(os.Stdout, 64)
	for i := 0; ; i++ {
		r, err := j.Append(Record{Type: RecNote, RequestID: "kill9", Detail: map[string]string{"i": strconv.Itoa(i), "pad": strings.Repeat("x", i%300)}})
		if err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Fprintf(w, "ok %d\n", r.Seq)
		w.Flush()
	}
}

// TestJournalKill9 kills an appending process at random points and checks
// that every acknowledged record survives and the journal verifies (or
// ends in one torn record, which is repaired).
func TestJournalKill9(t *testing.T) {
	dir := t.TempDir()
	kills := 30
	if testing.Short() {
		kills = 5
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	var acked uint64
	repaired := 0
	for i := range kills {
		cmd, out := startChild(t, "append", dir)
		stop := time.After(time.Duration(r.IntN(40)+1) * time.Millisecond)
	read:
		for out.Scan() {
			line := out.Text()
			seq, ok := strings.CutPrefix(line, "ok ")
			if !ok {
				t.Fatalf("kill %d: child said %q", i, line)
			}
			n, _ := strconv.ParseUint(seq, 10, 64)
			acked = max(acked, n)
			select {
			case <-stop:
				break read
			default:
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		sum, err := Verify(filepath.Join(dir, statedir.Journal))
		var torn *TornError
		if errors.As(err, &torn) {
			if _, err := RepairTorn(dir); err != nil {
				t.Fatalf("kill %d: repair: %v", i, err)
			}
			repaired++
		} else if err != nil {
			t.Fatalf("kill %d: the journal does not verify: %v", i, err)
		}
		if uint64(sum.Records) < acked {
			t.Fatalf("kill %d: %d records, but %d were acknowledged", i, sum.Records, acked)
		}
	}
	t.Logf("%d kills, %d records acknowledged, %d torn tails repaired", kills, acked, repaired)
}

// childFileSizeLimit appends once with RLIMIT_FSIZE just above the file's
// size, as a full disk would refuse the write, then reports the result.
// Go ignores SIGXFSZ, so the write fails with EFBIG.
func childFileSizeLimit(dir string) {
	j, err := OpenJournal(dir)
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fi, _ := os.Stat(j.Path())
	lim := &syscall.Rlimit{Cur: uint64(fi.Size()) + 10, Max: uint64(fi.Size()) + 10}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, lim); err != nil {
		fmt.Println("error", err)
		return
	}
	_, err = j.Append(Record{Type: RecIssued, RequestID: "full", SigHash: "00"})
	fmt.Println("append:", err, errors.Is(err, ErrJournalWrite))
	_, err = j.Append(Record{Type: RecNote})
	fmt.Println("again:", err)
}

func TestJournalWriteFails(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	appendLife(t, j, "before")
	j.Close()
	path := filepath.Join(dir, statedir.Journal)
	before, _ := os.ReadFile(path)
	cmd, out := startChild(t, "fsize", dir)
	var lines []string
	for out.Scan() {
		lines = append(lines, out.Text())
	}
	_ = cmd.Wait()
	want := "append: the journal could not be written, so nothing will be signed (is the disk full?): write " + path + ": file too large true"
	if len(lines) != 2 || lines[0] != want || !strings.HasPrefix(lines[1], "again: the journal could not be written") {
		t.Fatalf("child said %q, want first %q", lines, want)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatalf("a failed append left %d bytes behind", len(after)-len(before))
	}
	if sum, err := Verify(path); err != nil || sum.Records != 4 {
		t.Fatalf("after a failed append: %+v, %v", sum, err)
	}
}
