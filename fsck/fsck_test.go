package fsck

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// journal writes n note records to the journal of a new state directory.
func journal(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	j, err := signer.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for range n {
		if _, err := j.Append(signer.Record{Type: signer.RecNote, Detail: map[string]string{"msg": "hello"}}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func hints(err error) []string {
	var h interface{ Hints() []string }
	if errors.As(err, &h) {
		return h.Hints()
	}
	return nil
}

func TestVerifyJournal(t *testing.T) {
	dir := journal(t, 3)
	path := statedir.Path(dir, statedir.Journal)
	r, err := VerifyJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.SchemaVersion != JournalSchema || r.Records != 3 || r.Head == "" || r.FirstTime == "" || r.LastTime == "" {
		t.Fatalf("report %+v", r)
	}
	if want := path + ": 3 records from " + r.FirstTime + " to " + r.LastTime + ", head " + r.Head + ", verified"; r.Line() != want {
		t.Errorf("Line() = %q, want %q", r.Line(), want)
	}
	empty := journal(t, 0)
	r, err = VerifyJournal(statedir.Path(empty, statedir.Journal))
	if err != nil || r.Records != 0 || r.Head != "" || !strings.HasSuffix(r.Line(), ": no records, verified") {
		t.Fatalf("empty journal: %+v, %v", r, err)
	}
	if _, err := VerifyJournal(filepath.Join(dir, "nothing")); !errors.Is(err, os.ErrNotExist) || hints(err) != nil {
		t.Fatalf("missing journal: %v (hints %q), want a plain not-exist error", err, hints(err))
	}
}

func TestVerifyJournalDamage(t *testing.T) {
	tests := []struct {
		name    string
		records int
		damage  func(path string)
		hints   []string
	}{
		{"torn after 2", 2, func(p string) { appendTo(t, p, `{"seq":3,"ty`) }, []string{"records 1 to 2 before it verify"}},
		{"torn after 1", 1, func(p string) { appendTo(t, p, `{"seq":2`) }, []string{"record 1 before it verifies"}},
		{"changed", 2, func(p string) {
			b, _ := os.ReadFile(p)
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), "hello", "HELLO", 1)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, []string{"no record before it verifies", "keep this file for investigation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := statedir.Path(journal(t, tt.records), statedir.Journal)
			tt.damage(path)
			_, err := VerifyJournal(path)
			if err == nil || strings.Join(hints(err), "|") != strings.Join(tt.hints, "|") {
				t.Fatalf("got %v with hints %q, want hints %q", err, hints(err), tt.hints)
			}
		})
	}
}

func TestJournalErrOther(t *testing.T) {
	err := errors.New("boom")
	if got := JournalErr(signer.Summary{Records: 4}, err); got != err {
		t.Fatalf("JournalErr of an unrelated error = %v, want it unchanged", got)
	}
}

func TestCheckState(t *testing.T) {
	dir := journal(t, 2)
	c, err := CheckState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir != dir || c.KeyFiles || c.NextStart == nil || len(c.NextStart) != 0 {
		t.Fatalf("CheckState = %+v", c)
	}
	if got := strings.Join(c.Lines(), "\n"); got != dir+": the chain store and the signature index agree with the journal" {
		t.Errorf("Lines() = %q", got)
	}
	c = &StateChecks{Dir: "d", KeyFiles: true, NextStart: []string{"move x aside"}}
	want := "d: the chain store, the signature index and the key files agree with the journal\nd: the next start will: move x aside"
	if got := strings.Join(c.Lines(), "\n"); got != want {
		t.Errorf("Lines() = %q, want %q", got, want)
	}
}

// writeKey gives dir key files, as signet key init does.
func writeKey(t *testing.T, dir string) ed25519.PublicKey {
	t.Helper()
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	u, err := hsm.ParseURI("soft:" + statedir.Path(dir, statedir.SoftKey))
	if err != nil {
		t.Fatal(err)
	}
	att := statedir.NewAttestationDoc(u, pub, hsm.Attestation{Backend: "soft", Summary: "software key"})
	if err := statedir.WriteKey(dir, u, pub, att); err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestKeyFilesOf(t *testing.T) {
	dir := journal(t, 0)
	if pub, files, err := KeyFilesOf(dir); pub != nil || files != nil || err != nil {
		t.Fatalf("no key: %v %v %v", pub, files, err)
	}
	want := writeKey(t, dir)
	pub, files, err := KeyFilesOf(dir)
	if err != nil || !pub.Equal(want) || strings.Join(files, " ") != strings.Join(statedir.KeyFiles(), " ") {
		t.Fatalf("KeyFilesOf = %x %v %v", pub, files, err)
	}
	c, err := CheckState(dir)
	if err != nil || !c.KeyFiles {
		t.Fatalf("CheckState with a key = %+v, %v", c, err)
	}
	// key.uri there but key.pub unreadable.
	if err := os.Remove(statedir.Path(dir, statedir.KeyPub)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := KeyFilesOf(dir); err == nil {
		t.Fatal("KeyFilesOf without key.pub succeeded")
	}
	if _, err := CheckState(dir); err == nil {
		t.Fatal("CheckState without key.pub succeeded")
	}
	if _, err := Repair(dir, false); err == nil {
		t.Fatal("Repair without key.pub succeeded")
	}
}

// issuedWithoutIndex journals a signed request whose signature line is
// missing from signatures.jsonl.
func issuedWithoutIndex(t *testing.T) string {
	t.Helper()
	dir := journal(t, 1)
	j, err := signer.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	base := signer.Record{RequestID: "req-1", Kind: api.KindSignNode, Requester: "uid 0", Digest: strings.Repeat("a", 64)}
	for _, typ := range []signer.RecordType{signer.RecReceived, signer.RecDecision, signer.RecIssued} {
		r := base
		r.Type = typ
		if typ == signer.RecDecision {
			r.Outcome = signer.OutcomeApproved
		}
		if typ == signer.RecIssued {
			r.SigHash = strings.Repeat("b", 64)
		}
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckStateDisagrees(t *testing.T) {
	dir := issuedWithoutIndex(t)
	var se *signer.StateError
	if _, err := CheckState(dir); !errors.As(err, &se) {
		t.Fatalf("CheckState = %v, want a *signer.StateError", err)
	}
	said, err := Repair(dir, false)
	if !errors.As(err, &se) || len(said) != 0 {
		t.Fatalf("Repair = %q, %v; want a *signer.StateError and nothing done", said, err)
	}
	said, err = Repair(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(said) != 2 || !strings.HasPrefix(said[0], "rebuilt signatures.jsonl: kept 0 signatures of 0 requests, dropped 0 lines; the old file is ") ||
		said[1] != "LOST the signatures of 1 issued request(s), journaled as lost: req-1" {
		t.Fatalf("Repair --rebuild-index said %q", said)
	}
	if _, err := CheckState(dir); err != nil {
		t.Fatalf("after the rebuild: %v", err)
	}
}

func TestRepair(t *testing.T) {
	dir := journal(t, 2)
	if said, err := Repair(dir, false); err != nil || len(said) != 0 {
		t.Fatalf("clean dir: %q, %v; want nothing to do", said, err)
	}
	path := statedir.Path(dir, statedir.Journal)
	appendTo(t, path, `{"seq":3,"ty`)
	said, err := Repair(dir, false)
	if err != nil || len(said) != 1 || !strings.HasPrefix(said[0], "moved a torn record (12 bytes) to "+dir+"/journal.torn.") {
		t.Fatalf("torn record: %q, %v", said, err)
	}
	if _, err := VerifyJournal(path); err != nil {
		t.Fatalf("after the repair: %v", err)
	}
}

func TestRepairWholeRecord(t *testing.T) {
	dir := journal(t, 2)
	path := statedir.Path(dir, statedir.Journal)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, b[:len(b)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	said, err := Repair(dir, false)
	if err != nil || len(said) != 1 || !strings.HasPrefix(said[0], "completed the last record of ") || !strings.HasSuffix(said[0], " with its missing newline") {
		t.Fatalf("whole record: %q, %v", said, err)
	}
}

func TestRepairRefused(t *testing.T) {
	dir := journal(t, 2)
	path := statedir.Path(dir, statedir.Journal)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "hello", "HELLO", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	said, err := Repair(dir, false)
	if err == nil || len(said) != 0 || !strings.Contains(strings.Join(hints(err), "|"), "keep this file for investigation") {
		t.Fatalf("changed journal: %q, %v (hints %q)", said, err, hints(err))
	}
	after, _ := os.ReadFile(path)
	if string(after) == string(b) {
		t.Fatal("the test did not change the journal")
	}

	locked := journal(t, 1)
	unlock, err := statedir.TakeLock(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := Repair(locked, false); err == nil {
		t.Fatal("Repair of a locked state dir succeeded")
	}
}

func TestRepairChainStore(t *testing.T) {
	dir := journal(t, 1)
	// A chain store whose second commit was cut in half by a crash.
	c, err := chaingen.Build(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := signer.OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := statedir.Path(dir, statedir.Chain)
	if _, err := tka.Import(st, []*tka.AUM{c.Genesis}, true); err != nil {
		t.Fatal(err)
	}
	one, _ := os.ReadFile(path)
	if _, err := tka.Import(st, []*tka.AUM{c.Genesis, c.Updates[0]}, false); err != nil {
		t.Fatal(err)
	}
	st.Close()
	two, _ := os.ReadFile(path)
	if err := os.WriteFile(path, two[:len(one)+(len(two)-len(one))/2], 0o600); err != nil {
		t.Fatal(err)
	}
	said, err := Repair(dir, false)
	if err != nil || len(said) != 2 || !strings.HasPrefix(said[0], "moved an incomplete commit (") || !strings.HasPrefix(said[1], "pinned the chain: ") {
		t.Fatalf("torn chain.log: %q, %v", said, err)
	}
	// A chain.log that is no chain store at all.
	bad := journal(t, 1)
	if err := os.WriteFile(statedir.Path(bad, statedir.Chain), []byte("not a chain store\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Repair(bad, false); err == nil {
		t.Fatal("Repair over a foreign chain.log succeeded")
	}
	// A journal that is a directory cannot be opened.
	nodir := t.TempDir()
	if err := os.Mkdir(statedir.Path(nodir, statedir.Journal), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Repair(nodir, false); err == nil {
		t.Fatal("Repair with a directory for a journal succeeded")
	}
}

// TestStateErr turns the start checks' verdict into an error with the
// fix and the verify hint, and leaves other errors alone.
func TestStateErr(t *testing.T) {
	plain := errors.New("plain")
	if StateErr(plain) != plain || StateErr(nil) != nil {
		t.Error("StateErr changed an error that is no *signer.StateError")
	}
	err := StateErr(fmt.Errorf("opening: %w", &signer.StateError{Problem: "chain.log is ahead of the journal", Fix: "run 'signet journal repair'"}))
	if err == nil || err.Error() != "chain.log is ahead of the journal" {
		t.Fatalf("StateErr gave %v", err)
	}
	var h interface{ Hints() []string }
	if !errors.As(err, &h) {
		t.Fatalf("StateErr gave no hints: %v", err)
	}
	hints := h.Hints()
	if len(hints) != 2 || hints[0] != "run 'signet journal repair'" || !strings.Contains(hints[1], "signet journal verify") {
		t.Errorf("hints %q", hints)
	}
}
