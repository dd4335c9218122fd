package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/devices"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/internal/lockstatus/statusgen"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

var (
	boxKey  = chaingen.NewKey(11)
	goneKey = chaingen.NewKey(12) // signed a node, no longer trusted
	credKey = chaingen.NewKey(13) // a wrapped auth key's credential
)

const stateID = 99

var (
	signedNK = tka.NodeKey{0x51}
	otherNK  = tka.NodeKey{0x52}
	goneNK   = tka.NodeKey{0x53}
)

// stateDir makes a state directory as the daemon leaves it: a chain
// trusting the box's key, a journal and the index of issued signatures.
func stateDir(t *testing.T) (dir string, sig []byte) {
	t.Helper()
	dir = t.TempDir()
	cs, err := signer.OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	state := tka.State{Keys: []tka.Key{tka.NewEd25519Key(boxKey.PublicKey(), 1), tka.NewEd25519Key(chaingen.NewKey(14).PublicKey(), 1)},
		DisablementValues: [][]byte{tka.DisablementKDF([]byte("audit"))}, StateID1: stateID, StateID2: 1}
	if _, _, err := tka.Create(context.Background(), cs, state, boxKey); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	j, err := signer.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	h := strings.Repeat("ab", 32)
	recs := []signer.Record{
		{Type: signer.RecNote, Detail: map[string]string{"event": "start"}},
		{Type: signer.RecReceived, RequestID: "sign1", Kind: api.KindSignNode, Requester: "uid 0 (signet)", Digest: h, Detail: map[string]string{"node_key": signedNK.String()}},
		{Type: signer.RecDecision, RequestID: "sign1", Outcome: signer.OutcomeApproved},
		{Type: signer.RecIssued, RequestID: "sign1", SigHash: h},
		{Type: signer.RecReleased, RequestID: "sign1"},
		{Type: signer.RecReceived, RequestID: "deny1", Kind: api.KindSignNode, Requester: "relay", Digest: h, Detail: map[string]string{"node_key": otherNK.String()}},
		{Type: signer.RecDecision, RequestID: "deny1", Outcome: signer.OutcomeDenied},
		{Type: signer.RecReceived, RequestID: "wrong1", Kind: api.KindSignNode, Digest: h, Detail: map[string]string{"node_key": otherNK.String()}},
		{Type: signer.RecDecision, RequestID: "wrong1", Outcome: signer.OutcomeWrongCode},
		{Type: signer.RecReceived, RequestID: "fail1", Kind: api.KindSignNode, Digest: h, Detail: map[string]string{"node_key": otherNK.String()}},
		{Type: signer.RecDecision, RequestID: "fail1", Outcome: signer.OutcomeApproved},
		{Type: signer.RecFailed, RequestID: "fail1", Detail: map[string]string{"reason": "the PIN was refused"}},
		{Type: signer.RecReceived, RequestID: "wrap1", Kind: api.KindWrapAuthKey, Digest: h},
		{Type: signer.RecDecision, RequestID: "wrap1", Outcome: signer.OutcomeApproved},
		{Type: signer.RecIssued, RequestID: "wrap1", SigHash: h, Detail: map[string]string{"credential": tka.FormatTLPub(credKey.PublicKey())}},
		{Type: signer.RecReleased, RequestID: "wrap1"},
		{Type: signer.RecReceived, RequestID: "wrap0", Kind: api.KindWrapAuthKey, Digest: h},
		{Type: signer.RecDecision, RequestID: "wrap0", Outcome: signer.OutcomeApproved},
		{Type: signer.RecIssued, RequestID: "wrap0", SigHash: h},
		{Type: signer.RecReleased, RequestID: "wrap0"},
		{Type: signer.RecReceived, RequestID: "waiting", Kind: api.KindSignNode, Digest: h},
	}
	for _, r := range recs {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	s, err := tka.SignNodeKey(context.Background(), boxKey, signedNK, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig = s.Serialize()
	o, err := tka.SignNodeKey(context.Background(), boxKey, otherNK, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The index also holds a line of a request the journal does not show
	// as issued: it must be ignored.
	index := fmt.Sprintf("{\"request\":\"sign1\",\"node_key\":%q,\"signature\":%q}\n{\"request\":\"deny1\",\"node_key\":%q,\"signature\":%q}\n",
		signedNK, hex.EncodeToString(sig), otherNK, hex.EncodeToString(o.Serialize()))
	if err := os.WriteFile(statedir.Path(dir, statedir.SigIndex), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, sig
}

// status is a node's lock status of the same tailnet: the signed node,
// and a node signed by a key the authority no longer trusts.
func status(t *testing.T, id uint64) *lockstatus.Status {
	t.Helper()
	sign := func(by chaingen.Key, nk tka.NodeKey) []byte {
		s, err := tka.SignNodeKey(context.Background(), by, nk, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s.Serialize()
	}
	data, err := statusgen.JSON(statusgen.Spec{StateID: id, TrustedKeys: [][]byte{boxKey.PublicKey()},
		Self: statusgen.Node{NodeKey: signedNK, Signature: sign(boxKey, signedNK)},
		Visible: []statusgen.Node{
			{NodeKey: otherNK, Name: "other.example.ts.net.", Signature: sign(boxKey, otherNK)},
			{NodeKey: goneNK, Name: "gone\x1b[2J.", Signature: sign(goneKey, goneNK)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := lockstatus.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

func build(t *testing.T, in Input) *Report {
	t.Helper()
	rep, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func sections(rep *Report) map[string][]Finding {
	out := map[string][]Finding{}
	for _, f := range rep.Findings {
		out[f.Section] = append(out[f.Section], f)
	}
	return out
}

func TestBuildSortsRequestsByWhatTheySigned(t *testing.T) {
	dir, sig := stateDir(t)
	rep := build(t, Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: status(t, stateID), Now: now})
	if rep.SchemaVersion != "1" || rep.BoxKey != tka.FormatTLPub(boxKey.PublicKey()) || rep.Generated != "2026-12-02T12:00:00Z" || rep.StaleChecked {
		t.Fatalf("report head: %+v", rep)
	}
	sec := sections(rep)
	var issued []string
	for _, f := range sec[SectionIssued] {
		issued = append(issued, f.Request)
	}
	if strings.Join(issued, " ") != "sign1 wrap1 wrap0" {
		t.Fatalf("issued lists %v, want only the requests that signed", issued)
	}
	s := sec[SectionIssued][0]
	if s.NodeKey != signedNK.String() || s.Signature != hex.EncodeToString(sig) || !strings.HasPrefix(s.Note, "signature "+hex.EncodeToString(sig)[:16]) || s.Outcome != "approved" {
		t.Fatalf("the issued signature: %+v", s)
	}
	got := map[string]string{}
	for _, f := range sec[SectionNotIssued] {
		got[f.Request] = f.Outcome
		if f.Signature != "" {
			t.Errorf("%s signed nothing but shows a signature", f.Request)
		}
	}
	if fmt.Sprint(got) != "map[deny1:denied fail1:failed wrong1:wrong-code]" {
		t.Fatalf("not-issued %v", got)
	}
	for _, f := range sec[SectionNotIssued] {
		if f.Request == "deny1" && (f.NodeKey != otherNK.String() || f.Name != "other.example.ts.net" || f.Requester != "relay") {
			t.Errorf("denied row: %+v", f)
		}
		if f.Request == "fail1" && !strings.Contains(f.Note, "nothing signed: the PIN was refused") {
			t.Errorf("failed row: %+v", f)
		}
	}
	if u := sec[SectionUntrusted]; len(u) != 1 || u[0].NodeKey != goneNK.String() || u[0].Key != tka.FormatTLPub(goneKey.PublicKey()) {
		t.Fatalf("untrusted %+v", u)
	}
	o := sec[SectionOutstanding]
	if len(o) != 2 || o[0].Request != "wrap1" || o[0].Key != tka.FormatTLPub(credKey.PublicKey()) || !strings.Contains(o[1].Note, "cannot tell") {
		t.Fatalf("outstanding %+v", o)
	}
	if len(sec[SectionStale]) != 0 {
		t.Fatalf("stale %+v", sec[SectionStale])
	}
}

func TestBuildSinceLeavesOutOlderRequests(t *testing.T) {
	dir, _ := stateDir(t)
	rep := build(t, Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: status(t, stateID), Since: time.Now().Add(time.Hour), Now: now})
	sec := sections(rep)
	if len(sec[SectionIssued])+len(sec[SectionNotIssued]) != 0 || len(sec[SectionUntrusted]) != 1 {
		t.Fatalf("since the future: %v", sec)
	}
}

func TestBuildStale(t *testing.T) {
	dir, _ := stateDir(t)
	devs := map[string]devices.Device{
		otherNK.String():  {Name: "other", LastSeen: now.Add(-40 * 24 * time.Hour).Format(time.RFC3339)},
		signedNK.String(): {Name: "fresh", LastSeen: now.Add(-time.Hour).Format(time.RFC3339)},
		goneNK.String():   {Name: "never", LastSeen: "not a time"},
	}
	rep := build(t, Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: status(t, stateID), Devices: devs, Now: now, StaleDays: 30})
	st := sections(rep)[SectionStale]
	if !rep.StaleChecked || len(st) != 1 || st[0].Name != "other" || st[0].Note != "not seen for 40 days" {
		t.Fatalf("stale %+v (checked %v)", st, rep.StaleChecked)
	}
}

func TestBuildRefuses(t *testing.T) {
	dir, _ := stateDir(t)
	if _, err := Build(Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: status(t, stateID+1), Now: now}); err == nil || !strings.Contains(err.Error(), "another authority") {
		t.Fatalf("a status of another tailnet: %v", err)
	}
	_, err := Build(Input{Dir: t.TempDir(), BoxKey: boxKey.PublicKey(), Status: status(t, stateID), Now: now})
	var h interface{ Hints() []string }
	if err == nil || !errorsAs(err, &h) || !strings.Contains(h.Hints()[0], "signet chain import") {
		t.Fatalf("no chain: %v", err)
	}
	j := statedir.Path(dir, statedir.Journal)
	b, _ := os.ReadFile(j)
	os.WriteFile(j, bytes.Replace(b, []byte("deny1"), []byte("DENY1"), 1), 0o600)
	if _, err := Build(Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: status(t, stateID), Now: now}); err == nil || !strings.Contains(err.Error(), "reading the journal") {
		t.Fatalf("a tampered journal: %v", err)
	}
	dir, _ = stateDir(t)
	os.WriteFile(statedir.Path(dir, statedir.SigIndex), []byte("{\"request\":\"sign1\"}\n{}\n"), 0o600)
	if _, err := Build(Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: status(t, stateID), Now: now}); err == nil {
		t.Fatal("a damaged index must be refused")
	}
	dir, _ = stateDir(t)
	st := status(t, stateID)
	st.VisiblePeers[0].NodeKey = "nodekey:zz"
	if _, err := Build(Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: st, Now: now}); err == nil || !strings.Contains(err.Error(), "--status-json") {
		t.Fatalf("a damaged status: %v", err)
	}
}

func TestOutputs(t *testing.T) {
	dir, sig := stateDir(t)
	rep := build(t, Input{Dir: dir, BoxKey: boxKey.PublicKey(), Status: status(t, stateID), Now: now})

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	out := table.String()
	for _, want := range []string{"\nissued: 3\n", "\nnot-issued: 3\n", "\nuntrusted: 1\n", "\noutstanding: 2\n", "\nstale: not checked", `gone\x1b[2J`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "stale: 0") || strings.Contains(out, "\x1b") {
		t.Errorf("table:\n%s", out)
	}
	// Denied and wrong-code requests are never under issued.
	issued := out[strings.Index(out, "\nissued:"):strings.Index(out, "\nnot-issued:")]
	if strings.Contains(issued, "denied") || strings.Contains(issued, "wrong-code") {
		t.Errorf("issued section lists a refused request:\n%s", issued)
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Findings) != len(rep.Findings) || back.StaleChecked {
		t.Fatalf("JSON round trip: %v\n%s", err, js.String())
	}
	if !strings.Contains(js.String(), `"stale_checked": false`) || !strings.Contains(js.String(), hex.EncodeToString(sig)) {
		t.Errorf("JSON:\n%s", js.String())
	}

	var cb bytes.Buffer
	if err := rep.WriteCSV(&cb); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(rows) != 1+len(rep.Findings) || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") || rows[1][len(CSVHeader)-1] != hex.EncodeToString(sig) {
		t.Fatalf("CSV: %v %v", err, rows)
	}

	rep.StaleChecked = true
	table.Reset()
	rep.WriteTable(&table)
	if !strings.Contains(table.String(), "\nstale: 0\n") {
		t.Errorf("a checked stale section counts:\n%s", table.String())
	}
	if err := rep.WriteTable(failWriter{}); err == nil {
		t.Error("a failed write must be reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestParseSince(t *testing.T) {
	if got, err := ParseSince("", now); err != nil || !got.IsZero() {
		t.Fatalf("empty: %v %v", got, err)
	}
	if got, err := ParseSince("30d", now); err != nil || !got.Equal(now.AddDate(0, 0, -30)) {
		t.Fatalf("30d: %v %v", got, err)
	}
	if got, err := ParseSince("2026-01-02", now); err != nil || got.Format("2006-01-02") != "2026-01-02" {
		t.Fatalf("date: %v %v", got, err)
	}
	for _, bad := range []string{"-1d", "007d", "d", "yesterday", "2026-13-01"} {
		if _, err := ParseSince(bad, now); err == nil || !cli.IsUsage(err) || !strings.Contains(err.Error(), "--since") {
			t.Errorf("ParseSince(%q) = %v, want a usage error", bad, err)
		}
	}
}

func TestJournalViewPendingIssued(t *testing.T) {
	// An issued request with no decision record shows as pending.
	j := &journalView{reqs: map[string]*request{}}
	j.add(signer.Record{Type: signer.RecReceived, RequestID: "x", Kind: api.KindSignNode, Time: now})
	j.add(signer.Record{Type: signer.RecIssued, RequestID: "x"})
	rep := &Report{}
	rep.requests(j, nil, nil, time.Time{})
	if len(rep.Findings) != 1 || rep.Findings[0].Outcome != "pending" || rep.Findings[0].Section != SectionIssued {
		t.Fatalf("%+v", rep.Findings)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
