package e2e

// The box as the real binary: `signet serve --wireguard` runs as a child
// process in tmux, on a key sealed to a software TPM (swtpm). The test
// reads the console with capture-pane (or the pane's output stream) and
// types with send-keys, as the operator would.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/testrig"
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
	stream  string // the running instance's console output (tmux pipe-pane)
	op      *testrig.Operator
	starts  int
}

// newBoxProc makes a state directory with a key sealed to a fresh swtpm
// (stopped at the test's end) and the box's WireGuard key.
func newBoxProc(t *testing.T, bin string) *boxProc {
	t.Helper()
	b := &boxProc{t: t, bin: bin, dir: t.TempDir(), port: freeUDPPort(t)}
	// The key files as 'signet key init' writes them.
	b.pub = testrig.TPMKey(t, b.dir, boxPIN).Pub
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
	errPath := filepath.Join(b.dir, "serve.err")
	gate := filepath.Join(t.TempDir(), "gate")
	shell := fmt.Sprintf("while [ ! -e %s ]; do sleep 0.02; done; exec %s serve --state %s --socket %s --wireguard %s --review-timeout 60s --no-color --insecure-console 2>>%s",
		gate, b.bin, b.dir, filepath.Join(b.dir, "signet.sock"), b.wgConf, errPath)
	b.session = testenv.TmuxSession(t, 150, 50, shell)
	b.stream = filepath.Join(t.TempDir(), "pane.out")
	if err := testrig.PipePane(b.session, b.stream); err != nil {
		t.Fatal(err)
	}
	var policy testrig.Policy
	if approveAll {
		policy = testrig.ApproveAll
	}
	b.op = testrig.StartOperator(testrig.NewTmux(b.session, b.stream), testrig.OperatorConfig{PIN: boxPIN, Policy: policy})
	op := b.op
	t.Cleanup(func() { stopOperator(t, op) })
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
	stopOperator(b.t, b.op)
	_ = exec.Command("tmux", "kill-session", "-t", b.session).Run()
}

// stop ends the daemon with SIGTERM, as a shutdown would.
func (b *boxProc) stop() {
	pid := b.pid()
	syscall.Kill(pid, syscall.SIGTERM)
	eventually(b.t, 10*time.Second, "the daemon to stop", func() bool {
		return syscall.Kill(pid, 0) != nil
	})
	stopOperator(b.t, b.op)
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

// stopOperator stops op and fails t if it could not read the pane's
// output.
func stopOperator(t *testing.T, op *testrig.Operator) {
	op.Stop()
	if err := op.Err(); err != nil {
		t.Errorf("reading the pane's output: %v", err)
	}
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
