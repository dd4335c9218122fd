package main

// One PIN per approved decision, through the real console: the daemon in
// tmux on a swtpm key and on a virtual YubiKey, PINs typed as an operator
// types them, prompts counted in the pane's output. A refused PIN is
// asked again within the approval, and a signing that fails after the
// approval is closed in the journal.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/audit"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/internal/lockstatus/statusgen"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/vpiv"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// statusFile writes a `tailscale lock status --json` of the daemon's
// tailnet with n locked-out nodes named node-000 … and returns its path.
func (s *tmuxServe) statusFile(t *testing.T, n int, first byte) string {
	t.Helper()
	info := s.status(t)
	box, _ := tka.ParseTLPub(info.BoxKey)
	spec := statusgen.Spec{StateID: info.StateID, TrustedKeys: [][]byte{box}, Self: statusgen.Node{NodeKey: [32]byte{0xee}}}
	for i := range n {
		spec.Filtered = append(spec.Filtered, statusgen.Node{NodeKey: [32]byte{first, byte(i >> 8), byte(i)}, Name: fmt.Sprintf("node-%03d.example.ts.net.", i)})
	}
	data, err := statusgen.JSON(spec)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "status.json", data)
}

// approveBatch runs `signet approve` for n new nodes as request id,
// approves it on the console and returns the verb's output.
func (s *tmuxServe) approveBatch(t *testing.T, id string, n int, first byte) (string, error) {
	t.Helper()
	wait := s.start("approve", "--socket", s.sock, "--status-json", s.statusFile(t, n, first), "--name", "node-*", "--id", id)
	s.approveNext(id, n)
	return wait()
}

// paneText is everything the console printed so far.
func (s *tmuxServe) paneText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s.paneLog)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitPane waits until the console printed want.
func (s *tmuxServe) waitPane(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if strings.Contains(s.paneText(t), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console never printed %q; the screen:\n%s", want, s.screen())
		}
	}
}

// restart stops the daemon with SIGTERM, as systemd does, and starts it
// again on the same state dir in a new tmux session.
func (s *tmuxServe) restart(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(s.daemonPID(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitScreen("SERVE-EXITED", 30*time.Second)
	os.Remove(s.sock)
	s.launch(false)
}

// TestUnlockSWTPMBatchOnePIN approves 25 nodes on a swtpm key: one PIN
// prompt for the whole batch, the count on the console, the client told
// what happens after the approval, and no copy of the PIN left in the
// daemon's memory afterwards (when the binary erases; see pinCopies).
func TestUnlockSWTPMBatchOnePIN(t *testing.T) {
	t.Parallel()
	s := startServeTPM(t)
	s.pinMu.Lock()
	s.pinDelay = 1500 * time.Millisecond // a person reads the prompt first
	s.pinMu.Unlock()
	before := s.pins.Load()
	out, err := s.approveBatch(t, "b25", 25, 0xa0)
	if err != nil {
		t.Fatalf("approve: %v\n%s", err, out)
	}
	if n := s.pins.Load() - before; n != 1 {
		t.Fatalf("the PIN was asked %d times for an approved batch of 25, want 1", n)
	}
	if got := len(signedNodes(t, out)); got != 25 {
		t.Fatalf("approve printed %d signatures, want 25:\n%s", got, out)
	}
	if !strings.Contains(out, "signet: request b25 approved; unlocking the key (type its PIN on the signet console if it asks)") {
		t.Errorf("the client did not say the request was approved and waits for the key:\n%s", out)
	}
	s.waitPane(t, "PIN to sign with the TPM key (request b25, 25 signatures)")
	s.waitScreen("request b25: signing 25 of 25", 10*time.Second)
	checkPINCopies(t, s, tmuxTPMPIN)
}

// TestUnlockSWTPMWrongPIN: a mistyped PIN is asked again within the
// approval; three refused PINs close the request as failed, which a
// restart does not report as pending and review lists as failed.
func TestUnlockSWTPMWrongPIN(t *testing.T) {
	t.Parallel()
	s := startServeTPM(t)
	s.queuePINs("0000")
	wait := s.request(tka.NodeKey{0xb1}.String(), "--id", "r1")
	s.approveNext("r1", 0)
	if out, err := wait(); err != nil || !strings.Contains(out, "status: signed") {
		t.Fatalf("the right PIN on the second try must sign: %v\n%s", err, out)
	}
	s.waitPane(t, "request r1: wrong PIN (9 tries left before lockout); type the PIN again (try 2 of 3)")
	s.waitPane(t, "PIN to sign with the TPM key (request r1, 1 signature, try 2 of 3)")

	s.queuePINs("1111", "2222", "3333")
	before := s.pins.Load()
	wait = s.request(tka.NodeKey{0xb2}.String(), "--id", "r2")
	s.approveNext("r2", 0)
	out, err := wait()
	if err == nil || !strings.Contains(out, "request r2 failed: approved, but signing failed; nothing was signed or released: gave up after 3 refused PINs") {
		t.Fatalf("three wrong PINs must fail the request: %v\n%s", err, out)
	}
	if n := s.pins.Load() - before; n != 3 {
		t.Fatalf("the PIN was asked %d times, want 3", n)
	}
	s.waitPane(t, "request r2: SIGNING FAILED, closed: gave up after 3 refused PINs")
	checkFailedRecord(t, s, "r2")

	s.restart(t)
	if errText, _ := os.ReadFile(filepath.Join(s.dir, "serve.err")); strings.Contains(string(errText), "before the last stop") {
		t.Errorf("a restart reports a closed request as pending:\n%s", errText)
	}
	// The same id again gets the failure, without a review.
	if out, err := s.request(tka.NodeKey{0xb2}.String(), "--id", "r2")(); err == nil || !strings.Contains(out, "request r2 failed") {
		t.Fatalf("a replay of a failed request: %v\n%s", err, out)
	}
	checkReviewFailed(t, s, "r2")
}

// checkFailedRecord checks the journal closed id with a "failed" record.
func checkFailedRecord(t *testing.T, s *tmuxServe, id string) {
	t.Helper()
	out, err := exec.Command(s.bin, "journal", "show", "--state", s.dir, "--id", id, "--json").Output()
	if err != nil {
		t.Fatalf("journal show: %v\n%s", err, out)
	}
	var shown struct {
		Records []struct{ Type string }
	}
	if err := json.Unmarshal(out, &shown); err != nil {
		t.Fatalf("journal show --json: %v\n%s", err, out)
	}
	var types []string
	for _, r := range shown.Records {
		types = append(types, r.Type)
	}
	if strings.Join(types, " ") != "received decision failed" {
		t.Fatalf("journal of %s: %q, want received decision failed\n%s", id, types, out)
	}
}

// checkReviewFailed checks that `signet review` lists id as failed.
func checkReviewFailed(t *testing.T, s *tmuxServe, id string) {
	t.Helper()
	out, err := exec.Command(s.bin, "review", "--state", s.dir, "--status-json", s.statusFile(t, 0, 0), "--json").CombinedOutput()
	if err != nil {
		t.Fatalf("review: %v\n%s", err, out)
	}
	var rep audit.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("review --json: %v\n%s", err, out)
	}
	for _, f := range rep.Findings {
		if f.Request == id {
			if f.Section != audit.SectionNotIssued || f.Outcome != "failed" || !strings.Contains(f.Note, "nothing signed: gave up after") {
				t.Fatalf("review lists %s under %s as %q (%q), want failed under not-issued", id, f.Section, f.Outcome, f.Note)
			}
			return
		}
	}
	t.Fatalf("review does not list %s:\n%s", id, out)
}

// The virtual YubiKey these tests provision, in the second vpcd reader
// (the first is hsm/piv's).
const (
	tmuxPIVSerial = 34567890
	tmuxPIVPIN    = "73915824"
)

// startServePIV provisions a virtual YubiKey (PIN once, touch policy
// touch) and starts the daemon on it with a demo authority.
func startServePIV(t *testing.T, touch piv.TouchPolicy) (*tmuxServe, *vpiv.Card) {
	t.Helper()
	needTmux(t)
	vpiv.RequirePCSCD(t)
	s := newTmuxServe(t, testenv.BuildSignet(t))
	card, err := insertCard(tmuxPIVSerial)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(card.Remove)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	p, err := piv.Provision(ctx, piv.ProvisionOptions{Serial: tmuxPIVSerial, TouchPolicy: touch, Prompt: provisionAnswers{
		piv.WhyCurrentPIN: "123456", piv.WhyNewPIN: tmuxPIVPIN, piv.WhyCurrentPUK: "12345678", piv.WhyNewPUK: "64208642",
	}})
	if err != nil {
		t.Fatalf("provisioning the virtual YubiKey: %v", err)
	}
	u := hsm.URI{Scheme: "piv", Serial: p.Serial, Slot: p.Slot}
	att := hsm.Attestation{Backend: "piv", Hardware: true, Summary: "virtual YubiKey for tests"}
	if err := statedir.WriteKey(s.dir, u, p.PublicKey, statedir.NewAttestationDoc(u, p.PublicKey, att)); err != nil {
		t.Fatal(err)
	}
	s.pin, s.pinPrompt = tmuxPIVPIN, []byte("PIN to sign with YubiKey")
	s.launch(true)
	return s, card
}

// provisionAnswers answers piv.Provision's questions.
type provisionAnswers map[string]string

func (a provisionAnswers) PIN(ctx context.Context, why string) ([]byte, error) {
	v, ok := a[why]
	if !ok {
		return nil, fmt.Errorf("unexpected question %q", why)
	}
	return []byte(v), nil
}

// TestUnlockPIVBatchOnePIN approves 25 nodes on a virtual YubiKey whose
// touch policy is "always": one PIN, 25 touches, and the client prints
// the count while the card works.
func TestUnlockPIVBatchOnePIN(t *testing.T) {
	s, card := startServePIV(t, piv.TouchAlways)
	card.SetTouch(func() error { time.Sleep(80 * time.Millisecond); return nil })
	pins, signs := s.pins.Load(), card.Signs()
	out, err := s.approveBatch(t, "p25", 25, 0xc0)
	if err != nil {
		t.Fatalf("approve: %v\n%s", err, out)
	}
	if n := s.pins.Load() - pins; n != 1 {
		t.Fatalf("the PIN was asked %d times for an approved batch of 25, want 1", n)
	}
	if n := card.Signs() - signs; n != 25 || len(signedNodes(t, out)) != 25 {
		t.Fatalf("the card signed %d times and approve printed %d signatures, want 25 each:\n%s", n, len(signedNodes(t, out)), out)
	}
	if !strings.Contains(out, "signet: signing ") || !strings.Contains(out, " of 25\n") {
		t.Errorf("the client printed no progress while the card signed:\n%s", out)
	}
	s.waitPane(t, "PIN to sign with YubiKey 34567890 (request p25, 25 signatures; 3 tries left)")
	s.waitPane(t, "touch YubiKey 34567890 now to sign")
	s.waitScreen("request p25: signing 25 of 25", 10*time.Second)
}

// TestUnlockPIVWrongPIN: the card allows three PINs; two wrong ones use
// up what signet spends, the request is closed as failed, and the card
// keeps its last try (it is not blocked).
func TestUnlockPIVWrongPIN(t *testing.T) {
	s, card := startServePIV(t, piv.TouchNever)
	s.queuePINs("11111111", "22222222")
	before := s.pins.Load()
	wait := s.request(tka.NodeKey{0xd1}.String(), "--id", "v1")
	s.approveNext("v1", 0)
	out, err := wait()
	if err == nil || !strings.Contains(out, "gave up after 2 refused PINs, to keep the device's last try") {
		t.Fatalf("two wrong PINs on a 3-try card: %v\n%s", err, out)
	}
	if n := s.pins.Load() - before; n != 2 {
		t.Fatalf("the PIN was asked %d times, want 2", n)
	}
	if card.PINRetries() != 1 {
		t.Fatalf("the card has %d tries left, want 1 (signet never spends the last)", card.PINRetries())
	}
	s.waitPane(t, "request v1: wrong PIN (2 tries left before lockout); type the PIN again (try 2 of 3)")
	s.waitPane(t, "PIN to sign with YubiKey 34567890 (request v1, 1 signature, try 2 of 3; 2 tries left)")
	checkFailedRecord(t, s, "v1")

	// With one try left, the next approved request asks for no PIN.
	before = s.pins.Load()
	wait = s.request(tka.NodeKey{0xd2}.String(), "--id", "v2")
	s.approveNext("v2", 0)
	if out, err := wait(); err == nil || !strings.Contains(out, "does not spend the last one") {
		t.Fatalf("with one try left: %v\n%s", err, out)
	}
	if n := s.pins.Load() - before; n != 0 || card.PINRetries() != 1 {
		t.Fatalf("asked %d PINs, card has %d tries; want 0 and 1", n, card.PINRetries())
	}
}
