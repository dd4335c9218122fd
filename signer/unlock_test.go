package signer

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/statedir"
)

// pinScript is the console of these tests: it approves every review and
// types the PINs in pins, one per question, recording the questions and
// the notices the service shows.
type pinScript struct {
	scripted
	mu      sync.Mutex
	pins    []string
	asked   []string
	notices []string
	// during, if set, runs while a PIN question is open.
	during func()
}

func (p *pinScript) PIN(ctx context.Context, why string) ([]byte, error) {
	p.mu.Lock()
	p.asked = append(p.asked, why)
	during := p.during
	if len(p.pins) == 0 {
		p.mu.Unlock()
		return nil, errors.New("the test typed no more PINs")
	}
	pin := p.pins[0]
	p.pins = p.pins[1:]
	p.mu.Unlock()
	if during != nil {
		during()
	}
	return []byte(pin), nil
}

func (p *pinScript) Notify(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notices = append(p.notices, msg)
}

func (p *pinScript) questions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.asked)
}

func (p *pinScript) shown() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.notices, "\n")
}

const testTPMPIN = "unlock-test-2468"

// tpmFixture is a service whose key is sealed to a fresh swtpm that locks
// out after maxTries wrong PINs; the returned script types its PINs.
func tpmFixture(t *testing.T, maxTries uint32) (*fixture, *pinScript, *tpm.Key) {
	t.Helper()
	testenv.SkipShort(t, "a software TPM (swtpm)")
	dir := t.TempDir()
	inst, err := swtpm.Start(filepath.Join(dir, "tpm"))
	if errors.Is(err, swtpm.ErrMissing) {
		testenv.SkipOrFail(t, "swtpm is not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Stop)
	dev, err := tpm.OpenDevice(inst.Device)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := statedir.Path(dir, statedir.TPMKey)
	_, err = tpm.Provision(context.Background(), dev, tpm.ProvisionOptions{Path: keyPath, PIN: []byte(testTPMPIN), MaxTries: maxTries, RecoveryTime: time.Hour})
	dev.Close()
	if err != nil {
		t.Fatal(err)
	}
	script := &pinScript{pins: []string{testTPMPIN}} // the first signs the authority
	key, err := tpm.Open(context.Background(), keyPath, inst.Device, script)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureWithKey(t, dir, key)
	f.svc.prompt = script
	return f, script, key
}

func (p *pinScript) willType(pins ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pins, p.asked, p.notices = pins, nil, nil
}

// TestIssueOnePINPerBatch: an approved batch of 25 on a TPM key asks for
// the PIN once, says what it is for, and shows its progress.
func TestIssueOnePINPerBatch(t *testing.T) {
	f, script, _ := tpmFixture(t, 10)
	script.willType(testTPMPIN)
	resp := f.svc.Handle(context.Background(), batchOf("b25", 25), "tester")
	if resp.Status != api.StatusSigned || len(resp.Nodes) != 25 {
		t.Fatalf("batch: %s %s", resp.Status, resp.Error)
	}
	want := []string{"sign with the TPM key (request b25, 25 signatures)"}
	if q := script.questions(); !slices.Equal(q, want) {
		t.Fatalf("PIN questions %q, want %q", q, want)
	}
	if !strings.Contains(script.shown(), "request b25: signing 25 of 25") {
		t.Errorf("the console never showed the last count:\n%s", script.shown())
	}
	want2 := []RecordType{RecReceived, RecDecision, RecIssued, RecReleased}
	if got := f.journalTypes(t, "b25"); !slices.Equal(got, want2) {
		t.Errorf("journal %v, want %v", got, want2)
	}
}

// TestIssueWrongPINAskedAgain: a mistyped PIN is asked again within the
// same approval, and the console says why.
func TestIssueWrongPINAskedAgain(t *testing.T) {
	f, script, _ := tpmFixture(t, 10)
	script.willType("wrong-1", testTPMPIN)
	resp := f.svc.Handle(context.Background(), batchOf("r1", 3), "tester")
	if resp.Status != api.StatusSigned {
		t.Fatalf("the right PIN on the second try must sign: %s %s", resp.Status, resp.Error)
	}
	q := script.questions()
	if len(q) != 2 || q[1] != "sign with the TPM key (request r1, 3 signatures, try 2 of 3)" {
		t.Fatalf("PIN questions %q", q)
	}
	if want := "request r1: wrong PIN (9 tries left before lockout); type the PIN again (try 2 of 3)"; !strings.Contains(script.shown(), want) {
		t.Errorf("the console must say why it asks again (%q):\n%s", want, script.shown())
	}
}

// TestIssueWrongPINClosesRequest: three wrong PINs end the request with
// a "failed" record; it is final after a restart too, and a replay of its
// id gets the failure without a review.
func TestIssueWrongPINClosesRequest(t *testing.T) {
	f, script, key := tpmFixture(t, 10)
	script.willType("wrong-1", "wrong-2", "wrong-3")
	resp := f.svc.Handle(context.Background(), batchOf("w1", 2), "tester")
	if resp.Status != api.StatusFailed || !strings.Contains(resp.Error, "wrong PIN") || !strings.Contains(resp.Error, "nothing was signed") {
		t.Fatalf("three wrong PINs: %s %q", resp.Status, resp.Error)
	}
	t.Logf("answer: %s", resp.Error)
	if got, want := f.journalTypes(t, "w1"), []RecordType{RecReceived, RecDecision, RecFailed}; !slices.Equal(got, want) {
		t.Fatalf("journal %v, want %v", got, want)
	}
	if p := f.svc.journal.Pending(); len(p) != 0 {
		t.Fatalf("a failed request is still pending: %+v", p)
	}
	if !strings.Contains(script.shown(), "request w1: SIGNING FAILED, closed") {
		t.Errorf("the console must say the request failed:\n%s", script.shown())
	}
	if st, _ := key.Status(context.Background()); st.PINRetries != 7 {
		t.Errorf("tries left %d, want 7 (three spent)", st.PINRetries)
	}
	svc := f.restart(t) // its console is f.prompt
	again := svc.Handle(context.Background(), batchOf("w1", 2), "tester")
	if again.Status != api.StatusFailed || again.Error != resp.Error || len(f.prompt.reviews()) != 0 {
		t.Fatalf("replay after a restart: %s %q, %d reviews", again.Status, again.Error, len(f.prompt.reviews()))
	}
}

// TestIssueNeverSpendsLastTry: with a TPM that locks after 3 wrong PINs,
// two wrong tries use up what signet may spend; the last try is never
// asked, and a later request is refused before any PIN is asked.
func TestIssueNeverSpendsLastTry(t *testing.T) {
	f, script, key := tpmFixture(t, 3)
	script.willType("wrong-1", "wrong-2", testTPMPIN)
	resp := f.svc.Handle(context.Background(), batchOf("l1", 1), "tester")
	if resp.Status != api.StatusFailed || !strings.Contains(resp.Error, "to keep the device's last try") {
		t.Fatalf("status %s %q", resp.Status, resp.Error)
	}
	t.Logf("answer: %s", resp.Error)
	if n := len(script.questions()); n != 2 {
		t.Fatalf("PIN asked %d times, want 2 (the third would be the last try)", n)
	}
	st, _ := key.Status(context.Background())
	if st.Lockout || st.PINRetries != 1 {
		t.Fatalf("the TPM must keep its last try: %+v", st)
	}
	script.willType(testTPMPIN)
	resp = f.svc.Handle(context.Background(), batchOf("l2", 1), "tester")
	t.Logf("answer: %s", resp.Error)
	if resp.Status != api.StatusFailed || len(script.questions()) != 0 {
		t.Fatalf("with one try left: %s %q, asked %q", resp.Status, resp.Error, script.questions())
	}
}

// TestProgressEndpoint: while the PIN is asked, the requester that sent
// the request sees "unlocking"; anyone else sees nothing.
func TestProgressEndpoint(t *testing.T) {
	f, script, _ := tpmFixture(t, 10)
	seen := map[string]api.Progress{}
	get := func(requester string) api.Progress {
		req := httptest.NewRequest(http.MethodGet, api.PathProgress+"?id=p1", nil)
		req = req.WithContext(context.WithValue(req.Context(), peerKey{}, Peer{Name: requester}))
		w := httptest.NewRecorder()
		f.svc.Handler().ServeHTTP(w, req)
		var p api.Progress
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Errorf("progress answer: %v: %s", err, w.Body.String())
		}
		return p
	}
	script.willType(testTPMPIN)
	script.during = func() { seen["self"], seen["other"] = get("relay-a"), get("relay-b") }
	resp := f.svc.Handle(context.Background(), batchOf("p1", 4), "relay-a")
	if resp.Status != api.StatusSigned {
		t.Fatalf("batch: %s %s", resp.Status, resp.Error)
	}
	if want := (api.Progress{ID: "p1", State: api.ProgressUnlocking, Total: 4}); seen["self"] != want {
		t.Errorf("progress for the sender: %+v, want %+v", seen["self"], want)
	}
	if want := (api.Progress{ID: "p1", State: api.ProgressNone}); seen["other"] != want || get("relay-a") != want {
		t.Errorf("progress for another peer %+v, after the answer %+v; want %+v", seen["other"], get("relay-a"), want)
	}
}
