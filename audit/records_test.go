package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

func TestQuoteIfNeeded(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"":             `""`,
		"two words":    `"two words"`,
		`say "hi"`:     `"say \"hi\""`,
		"k=v":          `"k=v"`,
		`back\slash`:   `"back\\slash"`,
		"\x1b[31mred":  `"\x1b[31mred"`,
		"tab\there":    `"tab\there"`,
		"uid 0 (root)": `"uid 0 (root)"`,
	} {
		if got := QuoteIfNeeded(in); got != want {
			t.Errorf("QuoteIfNeeded(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRecordLine(t *testing.T) {
	at := time.Date(2026, 1, 2, 10, 0, 0, 5, time.UTC)
	r := signer.Record{Seq: 7, Time: at, Type: signer.RecDecision, RequestID: "7f3a", Kind: api.KindSignNode,
		Outcome: signer.OutcomeApproved, Requester: "uid 0 (signet)", Digest: "9c1e", SigHash: "ab",
		Detail: map[string]string{"node_key": "nodekey:01", "a key": "x=y", "empty": ""}}
	want := `#7 2026-01-02T10:00:00Z decision 7f3a kind=sign-node outcome=approved requester="uid 0 (signet)" digest=9c1e sighash=ab "a key"="x=y" node_key=nodekey:01`
	if got := RecordLine(r); got != want {
		t.Errorf("RecordLine =\n%s\nwant\n%s", got, want)
	}
	if got := RecordLine(signer.Record{Seq: 1, Time: at, Type: signer.RecNote}); got != "#1 2026-01-02T10:00:00Z note" {
		t.Errorf("bare note: %q", got)
	}
	rep := NewShowReport("j.log", []signer.Record{r})
	if rep.SchemaVersion != ShowSchema || rep.Journal != "j.log" || len(rep.Records) != 1 {
		t.Fatalf("report %+v", rep)
	}
	got := rep.Records[0]
	if got.Seq != 7 || got.Time != "2026-01-02T10:00:00.000000005Z" || got.Type != "decision" || got.Kind != "sign-node" ||
		got.Outcome != "approved" || got.Detail["node_key"] != "nodekey:01" || got.SigHash != "ab" {
		t.Errorf("record %+v", got)
	}
	if empty := NewShowReport("j.log", nil); empty.Records == nil {
		t.Error("no records must be [], not null")
	}
}

func TestSelectRecords(t *testing.T) {
	dir := t.TempDir()
	j, err := signer.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"a", "b", "a", "a", ""} {
		if _, err := j.Append(signer.Record{Type: signer.RecNote, RequestID: id, Detail: map[string]string{"n": string(rune('0' + i))}}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	path := statedir.Path(dir, statedir.Journal)
	seqs := func(recs []signer.Record) string {
		var s []string
		for _, r := range recs {
			s = append(s, r.Detail["n"])
		}
		return strings.Join(s, ",")
	}
	for _, tt := range []struct {
		id   string
		tail int
		want string
	}{{"", 0, "0,1,2,3,4"}, {"a", 0, "0,2,3"}, {"a", 2, "2,3"}, {"", 1, "4"}, {"zz", 0, ""}} {
		recs, sum, err := SelectRecords(path, tt.id, tt.tail)
		if err != nil || sum.Records != 5 || seqs(recs) != tt.want {
			t.Errorf("SelectRecords(%q, %d) = %s (%d verified, %v), want %s", tt.id, tt.tail, seqs(recs), sum.Records, err, tt.want)
		}
	}
	// Damage after record 2: the records before it come back, with the error.
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(b), "\n")
	bad := strings.Join(lines[:2], "") + strings.Replace(lines[2], `"2"`, `"X"`, 1) + strings.Join(lines[3:], "")
	damaged := filepath.Join(dir, "copy.log")
	if err := os.WriteFile(damaged, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, sum, err := SelectRecords(damaged, "", 0)
	if err == nil || sum.Records != 2 || seqs(recs) != "0,1" {
		t.Fatalf("damaged: %s (%d verified), %v", seqs(recs), sum.Records, err)
	}
	if _, _, err := SelectRecords(filepath.Join(dir, "none"), "", 0); err == nil {
		t.Fatal("a missing journal read")
	}
}
