package main

// Attacks on "one reading, one confirmation, one signature" through the
// real daemon: `signet serve` in tmux, requests over its unix socket,
// keystrokes typed into its console with tmux send-keys, which is how a
// keystroke injector (TIOCSTI, a USB keyboard emulator, a process in the
// console's session) looks to the daemon.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// journalRecords reads the daemon's journal.log as it stands.
func journalRecords(t *testing.T, dir string) ([]signer.Record, []byte) {
	t.Helper()
	raw, err := os.ReadFile(statedir.Path(dir, statedir.Journal))
	if err != nil {
		t.Fatal(err)
	}
	var out []signer.Record
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r signer.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out, raw
}

// recordsOf counts id's records by type, and returns its decision.
func recordsOf(recs []signer.Record, id string) (map[signer.RecordType]int, signer.Record) {
	n := map[signer.RecordType]int{}
	var decision signer.Record
	for _, r := range recs {
		if r.RequestID == id {
			n[r.Type]++
			if r.Type == signer.RecDecision {
				decision = r
			}
		}
	}
	return n, decision
}

// oldApprovalCode is how the daemon made the code before it drew a
// secret for each review: from the request's digest and its ID, both of
// which the requester knows.
func oldApprovalCode(digest []byte, id string, n int) string {
	alphabet := base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)
	h := sha256.New()
	h.Write([]byte("signet approval code v1\x00"))
	h.Write(digest)
	h.Write([]byte(id))
	c := alphabet.EncodeToString(h.Sum(nil))[:n]
	return c[:n/2] + "-" + c[n/2:]
}

// A requester computes the approval code from everything it knows (the
// request, its ID, the digest the box will sign, which it derives from
// the node key and the box's public key) and injects it into the real
// console as soon as the review appears. It does not approve: the
// journal says wrong-code, and the code shown was none of its guesses.
// Before the code had a secret, the first guess approved.
func TestInjectedCodeDoesNotApprove(t *testing.T) {
	t.Parallel()
	s := newTmuxServe(t, testenv.BuildSignet(t))
	pub := s.softKey()
	s.launch(true)
	for i, id := range []string{"inject-old", "inject-new-length"} {
		nk := tka.NodeKey{0x1e, byte(i), 0xc7}
		pre := tka.NodeKeySignature{SigKind: tka.SigDirect, Pubkey: nk.Binary(), KeyID: []byte(pub)}
		digest := pre.SigHash()
		guesses := []string{oldApprovalCode(digest[:], id, 6), oldApprovalCode(digest[:], id, 8)}
		for _, secret := range [][]byte{nil, make([]byte, 32), digest[:], []byte(id), []byte(time.Now().UTC().Format(time.RFC3339))} {
			guesses = append(guesses, signer.ApprovalCode(secret, digest[:], id))
		}

		wait := s.request(nk.String(), "--id", id)
		s.waitScreen(id, 20*time.Second)
		scr := s.waitScreen("Approval code:", 20*time.Second)
		s.keys(guesses[i], "Enter") // blind, and one try: a wrong code denies
		out, err := wait()
		if err == nil || !strings.Contains(out, "wrong-code") {
			t.Fatalf("%s: the injected code %s must deny as wrong-code: %v\n%s\nthe console showed:\n%s", id, guesses[i], err, out, scr)
		}
		shown := s.code(scr)
		for _, g := range guesses {
			if signer.CodeMatches(g, shown) {
				t.Fatalf("%s: the code shown, %s, is one the requester computed", id, shown)
			}
		}

		recs, raw := journalRecords(t, s.dir)
		n, decision := recordsOf(recs, id)
		if n[signer.RecReceived] != 1 || n[signer.RecIssued] != 0 || decision.Outcome != signer.OutcomeWrongCode {
			t.Fatalf("%s: journal %v, decision %q; want one received, a wrong-code decision, nothing issued", id, n, decision.Outcome)
		}
		// The requester had the very digest the old code was made from.
		if decision.Digest != hex.EncodeToString(digest[:]) {
			t.Fatalf("%s: the journal's digest %s is not the one the requester computed", id, decision.Digest)
		}
		if strings.Contains(string(raw), shown) || strings.Contains(string(raw), strings.ReplaceAll(shown, "-", "")) {
			t.Fatalf("%s: the journal holds the approval code", id)
		}
	}
}

// Requests with one ID race in over the real socket: the first is on the
// console; 15 more with its content wait for its answer, 10 with other
// content are refused before anyone types anything. One approval signs
// once and all 16 get that signature.
func TestSameIDOverTheSocket(t *testing.T) {
	t.Parallel()
	s := startServe(t)
	client := api.NewUnixClient(s.sock)
	ctx := context.Background()
	same := &api.Request{ID: "dup", Kind: api.KindSignNode, NodeKey: tka.NodeKey{0xd0, 1}.String()}
	other := &api.Request{ID: "dup", Kind: api.KindSignNode, NodeKey: tka.NodeKey{0xd0, 2}.String()}
	type answer struct {
		r   *api.Response
		err error
	}
	answers := make(chan answer, 16)
	send := func(req *api.Request, to chan answer) {
		r, err := client.Send(ctx, req)
		to <- answer{r, err}
	}
	go send(same, answers)
	s.waitScreen("dup", 20*time.Second)
	scr := s.waitScreen("Approval code:", 20*time.Second)

	refused := make(chan answer, 10)
	var wg sync.WaitGroup
	for i := range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i < 15 {
				send(same, answers)
			} else {
				send(other, refused)
			}
		}()
	}
	for range 10 {
		select {
		case a := <-refused:
			if a.err != nil || a.r.Status != api.StatusError || !strings.Contains(a.r.Error, "in use right now by a different request") {
				t.Fatalf("other content under the same id: %+v %v, want refused", a.r, a.err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("other content under an id in review must be refused at once, not wait for the review")
		}
	}
	s.keys(s.code(scr), "Enter")
	wg.Wait()
	var sig string
	for range 16 {
		a := <-answers
		if a.err != nil || a.r.Status != api.StatusSigned || (sig != "" && a.r.Signature != sig) {
			t.Fatalf("same request: %+v %v, want the one signature", a.r, a.err)
		}
		sig = a.r.Signature
	}
	recs, _ := journalRecords(t, s.dir)
	if n, _ := recordsOf(recs, "dup"); n[signer.RecReceived] != 1 || n[signer.RecDecision] != 1 || n[signer.RecIssued] != 1 {
		t.Fatalf("journal for dup: %v, want one received, one decision, one issued", n)
	}
}
