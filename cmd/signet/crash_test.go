package main

// Crash soak of the real daemon: requests flow from a few clients, an
// operator answers the console on a pty, and the daemon is killed with
// SIGKILL at random moments, some aimed right after an approval (while it
// signs and journals). After every kill it is restarted on the same state
// dir and the invariants are checked (crash_check_test.go): on what changed
// since the kill before, and in full every 50 kills and at the end.
//
//	go test ./cmd/signet -run '^TestCrashSoak$'                   # 200 kills
//	SIGNET_SOAK_KILLS=1000 go test ./cmd/signet -run '^TestCrashSoak$' -timeout 60m
//
// SIGNET_SOAK_SEED replays one run's random choices (the seed is logged).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/testrig"
	"github.com/signetbox/signet/statedir"
)

const crashPassphrase = "crash soak passphrase"

// crashRig is the soak's state: the binary, the state dir, what the
// clients sent and every answer they got.
type crashRig struct {
	t              *testing.T
	bin, dir, sock string
	rng            *rand.Rand // used by the killer goroutine only
	approved       chan struct{}
	gate           *crashGate
	log            *crashLog
	noDeny         bool // the operator approves every request

	// Counters, for the report.
	kills, repairs, aimed, pins, approvals, denials int
	seen                                            map[string]bool // violations reported
	checking, starting                              time.Duration   // spent in checks and in daemon starts

	down downSeen // what the checks verified before (crash_check_test.go)
	up   upSeen
}

func TestCrashSoak(t *testing.T) {
	t.Parallel()
	needPTY(t, "the crash soak")
	kills := soakKills(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SIGNET_SOAK_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("SIGNET_SOAK_SEED=%q is not a number: %v", s, err)
		}
	}
	t.Logf("crash soak: %d kills, SIGNET_SOAK_SEED=%d", kills, seed)
	start := time.Now()
	r := newCrashRig(t, seed)
	d := r.mustStart()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); r.client(ctx, seed+uint64(i)+1, i) }()
	}
	for r.kills < kills {
		r.killAtRandom(d)
		full := r.kills%fullCheckEvery == 0
		t0 := time.Now()
		r.checkDown(full)
		t1 := time.Now()
		d = r.mustStart()
		t2 := time.Now()
		r.checkUp(full)
		r.checking += t1.Sub(t0) + time.Since(t2)
		r.starting += t2.Sub(t1)
	}
	r.gate.set(false)
	cancel()
	wg.Wait()
	r.finish(d)
	st := r.log.stats()
	t.Logf("crash soak: %d kills (%d aimed after an approval), %d journal repairs, %d daemon starts (passphrase typed), %d approvals, %d denials typed; %s",
		r.kills, r.aimed, r.repairs, r.pins, r.approvals, r.denials, st)
	fmt.Printf("FIGURE crash_soak_kills %d kills\nFIGURE crash_soak_repairs %d repairs\nFIGURE crash_soak_time %.1f s\n",
		r.kills, r.repairs, time.Since(start).Seconds())
	fmt.Printf("FIGURE crash_soak_check_time %.1f s\nFIGURE crash_soak_restart_time %.1f s\n",
		r.checking.Seconds(), r.starting.Seconds())
}

// soakKills is SIGNET_SOAK_KILLS, default 200. Under -short the soak
// does not run (needPTY).
func soakKills(t *testing.T) int {
	s := os.Getenv("SIGNET_SOAK_KILLS")
	if s == "" {
		return 200
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("SIGNET_SOAK_KILLS=%q must be a positive number", s)
	}
	return n
}

// newCrashRig builds signet and makes a state dir with a soft key.
func newCrashRig(t *testing.T, seed uint64) *crashRig {
	r := &crashRig{t: t, bin: testenv.BuildSignet(t), dir: t.TempDir(), rng: rand.New(rand.NewPCG(seed, 0)),
		approved: make(chan struct{}, 1), gate: newCrashGate(), log: newCrashLog()}
	r.sock = filepath.Join(r.dir, "signet.sock")
	testrig.SoftKey(t, r.dir, statedir.Path(r.dir, statedir.SoftKey), crashPassphrase)
	return r
}

// crashDaemon is one run of signet serve.
type crashDaemon struct {
	cmd  *exec.Cmd
	pty  *crashPTY
	op   *testrig.Operator
	done chan struct{} // closed when the process was reaped
}

// mustStart starts the daemon, repairing a torn journal when it asks for
// it, and waits until it answers on its socket.
func (r *crashRig) mustStart() *crashDaemon {
	r.t.Helper()
	for attempt := 0; ; attempt++ {
		d, err := r.start()
		if err == nil {
			return d
		}
		if attempt > 0 || !strings.Contains(err.Error(), "signet journal repair") {
			r.t.Fatalf("after %d kills the daemon does not start: %v", r.kills, err)
		}
		out, rerr := r.signet("journal", "repair", "--state", r.dir)
		if rerr != nil {
			r.t.Fatalf("journal repair after kill %d: %v\n%s", r.kills, rerr, out)
		}
		r.repairs++
		r.t.Logf("kill %d: %s", r.kills, strings.TrimSpace(out))
	}
}

// start runs signet serve on a fresh pty; it returns an error with the
// daemon's stderr if the daemon exits before it serves.
func (r *crashRig) start() (*crashDaemon, error) {
	p, err := openCrashPTY()
	if err != nil {
		r.t.Fatal(err)
	}
	errPath := filepath.Join(r.dir, "serve.err")
	errFile, err := os.Create(errPath)
	if err != nil {
		r.t.Fatal(err)
	}
	defer errFile.Close()
	cmd := exec.Command(r.bin, "serve", "--state", r.dir, "--socket", r.sock, "--console", p.slavePath,
		"--insecure-soft-key", "--insecure-console", "--demo-authority", "--review-timeout", "20s", "--no-color")
	cmd.Stdout, cmd.Stderr = errFile, errFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		p.close()
		r.t.Fatalf("starting signet serve: %v", err)
	}
	d := &crashDaemon{cmd: cmd, pty: p, done: make(chan struct{})}
	denyRate := 0.12
	if r.noDeny {
		denyRate = 0
	}
	d.op = testrig.StartOperator(testrig.PTY{Master: p.master}, testrig.OperatorConfig{PIN: crashPassphrase,
		Policy: testrig.DenySome(rand.New(rand.NewPCG(r.rng.Uint64(), 1)), denyRate), Approved: r.approved})
	go func() { _ = cmd.Wait(); close(d.done) }()
	if err := r.waitReady(d); err != nil {
		r.reap(d)
		text, _ := os.ReadFile(errPath)
		return nil, fmt.Errorf("%w; its stderr:\n%s", err, text)
	}
	return d, nil
}

// waitReady polls the daemon's status until it answers.
func (r *crashRig) waitReady(d *crashDaemon) error {
	c := api.NewUnixClient(r.sock)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			return errors.New("signet serve exited before serving")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Status(ctx)
		cancel()
		if err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("signet serve did not answer on its socket within 60s")
}

// killAtRandom lets requests flow, then kills the daemon with SIGKILL:
// after 5-300 ms, or (one time in three) 0-4 ms after the next approval,
// while it signs and journals.
func (r *crashRig) killAtRandom(d *crashDaemon) {
	select {
	case <-r.approved:
	default:
	}
	r.gate.set(true)
	if r.rng.IntN(3) == 0 {
		select {
		case <-r.approved:
			time.Sleep(time.Duration(r.rng.IntN(4000)) * time.Microsecond)
			r.aimed++
		case <-time.After(300 * time.Millisecond):
		}
	} else {
		time.Sleep(time.Duration(5+r.rng.IntN(296)) * time.Millisecond)
	}
	r.gate.set(false)
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		r.t.Fatalf("kill %d: %v", r.kills+1, err)
	}
	r.kills++
	r.reap(d)
}

// reap waits for the process and its operator, then closes the pty.
func (r *crashRig) reap(d *crashDaemon) {
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		r.t.Fatalf("signet serve (pid %d) did not exit within 30s", d.cmd.Process.Pid)
	}
	d.pty.close()
	<-d.op.Done()
	r.pins += d.op.PINs()
	r.approvals += d.op.Approvals()
	r.denials += d.op.Denials()
}

// signet runs the real binary and returns its combined output.
func (r *crashRig) signet(args ...string) (string, error) {
	out, err := exec.Command(r.bin, args...).CombinedOutput()
	return string(out), err
}

// finish resends every unanswered request once on a daemon left running,
// stops it with SIGTERM and checks everything one last time.
func (r *crashRig) finish(d *crashDaemon) {
	r.gate.set(true)
	c := api.NewUnixClient(r.sock)
	for i, req := range r.log.unanswered() {
		if i == 40 { // stay under the daemon's per-requester rate
			break
		}
		r.log.send(context.Background(), c, req)
	}
	r.gate.set(false)
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		r.t.Fatal(err)
	}
	r.reap(d)
	r.checkDown(true)
	r.checkUp(true)
}
