package e2e

// The box as the real binary: `signet serve --wireguard` runs as a child
// process in tmux, on a key sealed to a software TPM (swtpm). The test
// reads the console with capture-pane (or the pane's output stream) and
// types with send-keys, as the operator would.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// boxPIN is the PIN of the test's TPM key.
const boxPIN = "e2e-tpm-pin-1357"

// codeRE finds the approval code on a screen.
var codeRE = consolescreen.CodeRE

func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"tmux", "swtpm"} {
		testenv.LookPath(t, tool)
	}
}

// boxProc is a signet state directory and the `signet serve` processes
// run on it, one tmux session each.
type boxProc struct {
	t       *testing.T
	bin     string
	dir     string
	wgConf  string
	wgPub   wgintake.Key
	port    int
	pub     []byte // the box's signing key
	session string // tmux session of the running instance
	op      *operator
	starts  int
}

// newBoxProc makes a state directory with a key sealed to a fresh swtpm
// (stopped at the test's end) and the box's WireGuard key.
func newBoxProc(t *testing.T, bin string) *boxProc {
	t.Helper()
	b := &boxProc{t: t, bin: bin, dir: t.TempDir(), port: freeUDPPort(t)}
	inst, err := swtpm.Start(filepath.Join(t.TempDir(), "swtpm"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Stop)
	dev, err := tpm.OpenDevice(inst.Device)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	path := statedir.Path(b.dir, statedir.TPMKey)
	p, err := tpm.Provision(context.Background(), dev, tpm.ProvisionOptions{Path: path, PIN: []byte(boxPIN)})
	if err != nil {
		t.Fatalf("provisioning the swtpm key: %v", err)
	}
	hsm.Wipe(p.LockoutSecret)
	b.pub = p.Key.PublicKey
	u := hsm.URI{Scheme: "tpm", Path: path, Device: inst.Device}
	// The key files as 'signet key init' writes them.
	att := hsm.Attestation{Backend: "tpm", Summary: "swtpm key made by the e2e rig"}
	if err := statedir.WriteKey(b.dir, u, p.Key.PublicKey, statedir.NewAttestationDoc(u, p.Key.PublicKey, att)); err != nil {
		t.Fatal(err)
	}
	out, err := b.signet("wg", "keygen")
	if err != nil {
		t.Fatalf("signet wg keygen: %v\n%s", err, out)
	}
	if b.wgPub, err = wgintake.ParseKey(strings.TrimSpace(out)); err != nil {
		t.Fatalf("signet wg keygen printed %q: %v", out, err)
	}
	return b
}

// signet runs the binary on the state directory.
func (b *boxProc) signet(args ...string) (string, error) {
	out, err := exec.Command(b.bin, append([]string{"--state", b.dir}, args...)...).CombinedOutput()
	return string(out), err
}

// bootstrap stores the tailnet's genesis AUM in the box's chain store,
// as 'signet chain import' would.
func (b *boxProc) bootstrap(genesis []byte) {
	st, err := signer.OpenChainStore(b.dir)
	if err != nil {
		b.t.Fatal(err)
	}
	defer st.Close()
	g, err := tka.DecodeAUM(genesis)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := tka.Bootstrap(st, g); err != nil {
		b.t.Fatalf("bootstrapping the box from the tailnet's genesis: %v", err)
	}
}

// allowRelay writes the intake's config: one peer, the relay.
func (b *boxProc) allowRelay(relayPub wgintake.Key) {
	b.wgConf = filepath.Join(b.dir, "wg.json")
	cfg := fmt.Sprintf(`{"listen_address": "127.0.0.1", "listen_port": %d, "address": "10.77.0.1", "peers": [
		{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2", "rate_per_minute": 1000}]}`, b.port, relayPub)
	if err := os.WriteFile(b.wgConf, []byte(cfg), 0o600); err != nil {
		b.t.Fatal(err)
	}
}

// launch starts `signet serve --wireguard` in a fresh tmux session with
// an operator on its output stream, and returns once the intake is up.
// The operator types the PIN at every prompt; with approveAll it also
// approves every review by typing its code.
func (b *boxProc) launch(approveAll bool) {
	t := b.t
	t.Helper()
	b.starts++
	b.session = fmt.Sprintf("signet-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())
	errPath := filepath.Join(b.dir, "serve.err")
	gate := filepath.Join(t.TempDir(), "gate")
	shell := fmt.Sprintf("while [ ! -e %s ]; do sleep 0.02; done; exec %s serve --state %s --socket %s --wireguard %s --review-timeout 60s --no-color --insecure-console 2>>%s",
		gate, b.bin, b.dir, filepath.Join(b.dir, "signet.sock"), b.wgConf, errPath)
	if out, err := exec.Command("tmux", "new-session", "-d", "-s", b.session, "-x", "150", "-y", "50", shell).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	session := b.session
	t.Cleanup(func() { _ = exec.Command("tmux", "kill-session", "-t", session).Run() })
	stream := filepath.Join(t.TempDir(), "pane.out")
	if out, err := exec.Command("tmux", "pipe-pane", "-t", b.session, "cat >> "+stream).CombinedOutput(); err != nil {
		t.Fatalf("tmux pipe-pane: %v %s", err, out)
	}
	b.op = &operator{t: t, session: b.session, stream: stream, done: make(chan struct{}), finished: make(chan struct{})}
	b.op.approveAll.Store(approveAll)
	go b.op.run()
	op := b.op
	t.Cleanup(op.stop)
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ready := "signet: WireGuard intake on UDP port"
	eventually(t, 30*time.Second, "signet serve to bring up its WireGuard intake", func() bool {
		errText, _ := os.ReadFile(errPath)
		return strings.Count(string(errText), ready) == b.starts
	})
}

// pid is the running daemon's process id, from its lock file.
func (b *boxProc) pid() int {
	text, err := os.ReadFile(statedir.Path(b.dir, statedir.Lock))
	if err != nil {
		b.t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil {
		b.t.Fatalf("signet.lock: %v", err)
	}
	return pid
}

// kill9 sends SIGKILL to the daemon and waits until it is gone.
func (b *boxProc) kill9() {
	pid := b.pid()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		b.t.Fatalf("kill -9 %d: %v", pid, err)
	}
	eventually(b.t, 10*time.Second, "the killed daemon to exit", func() bool {
		return syscall.Kill(pid, 0) != nil
	})
	b.op.stop()
	_ = exec.Command("tmux", "kill-session", "-t", b.session).Run()
}

// stop ends the daemon with SIGTERM, as a shutdown would.
func (b *boxProc) stop() {
	pid := b.pid()
	syscall.Kill(pid, syscall.SIGTERM)
	eventually(b.t, 10*time.Second, "the daemon to stop", func() bool {
		return syscall.Kill(pid, 0) != nil
	})
	b.op.stop()
	_ = exec.Command("tmux", "kill-session", "-t", b.session).Run()
}

func (b *boxProc) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", b.session).Output()
	if err != nil {
		b.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// waitScreen waits until the console shows every string in want.
func (b *boxProc) waitScreen(d time.Duration, want ...string) string {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for {
		scr := b.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(scr, w)
		}
		if ok {
			return scr
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the console never showed %q; it shows:\n%s", want, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// typeKeys types text literally, then presses Enter.
func typeKeys(session, text string) error {
	for _, args := range [][]string{{"send-keys", "-t", session, "-l", text}, {"send-keys", "-t", session, "Enter"}} {
		if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("tmux send-keys: %v %s", err, out)
		}
	}
	return nil
}

// operator reads one daemon's console output as it streams out of the
// pane and answers it: the PIN at every "PIN to" prompt and, with
// approveAll, the code of every review.
type operator struct {
	t          *testing.T
	session    string
	stream     string
	approveAll atomic.Bool

	mu        sync.Mutex
	pins      int
	approved  []string // request ids, in the order approved
	done      chan struct{}
	finished  chan struct{}
	closeOnce sync.Once
}

func (o *operator) stop() {
	o.closeOnce.Do(func() { close(o.done) })
	<-o.finished
}

func (o *operator) run() {
	defer close(o.finished)
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	var raw []byte
	answered := map[string]bool{}
	chunk := make([]byte, 64<<10)
	for {
		select {
		case <-o.done:
			return
		case <-time.After(10 * time.Millisecond):
		}
		if f == nil {
			var err error
			if f, err = os.Open(o.stream); err != nil {
				continue
			}
		}
		for {
			n, err := f.Read(chunk)
			raw = append(raw, chunk[:n]...)
			if n == 0 || err == io.EOF {
				break
			}
			if err != nil {
				o.t.Errorf("reading the pane's output: %v", err)
				return
			}
		}
		text := consolescreen.Strip(raw)
		switch {
		case consolescreen.AsksPIN(text):
			if typeKeys(o.session, boxPIN) != nil {
				return // the session is gone
			}
			o.mu.Lock()
			o.pins++
			o.mu.Unlock()
			raw = raw[:0]
		case o.approveAll.Load() && o.review(text, answered):
			raw = raw[:0]
		case len(raw) > 256<<10:
			raw = append(raw[:0], raw[len(raw)-64<<10:]...)
		}
	}
}

// review approves the newest unanswered review in text, if complete.
func (o *operator) review(text []byte, answered map[string]bool) bool {
	r, ok := consolescreen.NextReview(text, answered)
	if !ok {
		return false
	}
	answered[r.ID] = true
	if r.Batch > 0 {
		if typeKeys(o.session, strconv.Itoa(r.Batch)) != nil {
			return false
		}
	}
	if typeKeys(o.session, r.Code) != nil {
		return false
	}
	o.mu.Lock()
	o.approved = append(o.approved, r.ID)
	o.mu.Unlock()
	return true
}

// wasApproved reports whether the operator typed id's approval code.
func (o *operator) wasApproved(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Contains(o.approved, id)
}

// pinCount is how often the operator typed the PIN.
func (o *operator) pinCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pins
}

// journalRecords reads the box's journal (with no daemon running) and
// returns each request id's record types.
func (b *boxProc) journalRecords() map[string][]signer.RecordType {
	j, err := signer.OpenJournal(b.dir)
	var torn *signer.TornError
	if errors.As(err, &torn) {
		b.t.Fatalf("the journal has a torn tail after a clean stop: %v", err)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	defer j.Close()
	m := map[string][]signer.RecordType{}
	j.Scan(func(r signer.Record) error {
		m[r.RequestID] = append(m[r.RequestID], r.Type)
		return nil
	})
	return m
}
