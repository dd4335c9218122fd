package main

// Denial-of-service attacks on the real daemon: `signet serve` (the built
// binary, confined, on a soft key, with its WireGuard intake) is flooded
// through its unix socket by another process (as uid nobody when the test
// runs as root, so the operator's root `signet status` is someone else's)
// and through the tunnel, and the operator's `signet status` must keep
// answering. Its latency under each flood is printed as FIGURE lines; the
// test asserts only that it answers, and that the daemon's descriptors and
// memory stay bounded.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/testrig"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// floodRig is a running daemon and what the attacks need.
type floodRig struct {
	t                *testing.T
	bin, testBin     string // readable and executable by the attacker
	dir, sock        string
	wgConf           string
	wgPort           int
	boxWG, peerPriv  wgintake.Key
	d                *crashDaemon
	cred             *syscall.Credential // the attacker's; nil: the test's uid
	baseFDs, baseRSS int
}

func TestFloodRealDaemon(t *testing.T) {
	t.Parallel()
	needPTY(t, "the flood test")
	r := newFloodRig(t)
	r.start()
	r.statusFigures("baseline", r.statusLatency(20))
	r.rpcFigures("baseline", 20)
	r.baseFDs, r.baseRSS = r.daemonFDs(), r.daemonRSS()
	t.Logf("daemon at rest: %d descriptors, %d MiB resident; attacker uid %s", r.baseFDs, r.baseRSS>>20, r.attackerUID())
	for _, f := range []struct {
		name, mode string
		n          int
	}{
		{"idle", "idle", 2000},
		{"slowloris", "slowloris", 1000},
		{"bodies", "body", 100},
		{"churn", "churn", 64},
	} {
		t.Run(f.name, func(t *testing.T) { r.flood(t, f.name, f.mode, f.n) })
	}
	t.Run("processes", r.manyProcesses)
	t.Run("reports", r.forgedReports)
	t.Run("wireguard-idle", r.wireguardFlood)
}

func newFloodRig(t *testing.T) *floodRig {
	r := &floodRig{t: t, dir: t.TempDir()}
	// The attacker must be able to run the binaries and reach the socket.
	pub, err := os.MkdirTemp("", "signet-flood-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(pub) })
	if err := os.MkdirAll(filepath.Join(pub, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(pub, 0o755)
	r.sock = filepath.Join(pub, "run", "signet.sock")
	r.bin = copyExecutable(t, testenv.BuildSignet(t), filepath.Join(pub, "signet"))
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r.testBin = copyExecutable(t, self, filepath.Join(pub, "signet-flood"))
	if os.Getuid() == 0 {
		if u, err := user.Lookup("nobody"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			r.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		}
	}
	r.softKey()
	r.wireGuard()
	return r
}

// copyExecutable copies src to dst, mode 0755.
func copyExecutable(t *testing.T, src, dst string) string {
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

func (r *floodRig) softKey() {
	testrig.SoftKey(r.t, r.dir, statedir.Path(r.dir, statedir.SoftKey), crashPassphrase)
}

// wireGuard makes the box's WireGuard key and an intake config with one
// peer, kept in a directory of its own (neither the state dir nor the
// socket's): Landlock must allow the file serve was given.
func (r *floodRig) wireGuard() {
	out, err := exec.Command(r.bin, "--state", r.dir, "wg", "keygen").CombinedOutput()
	if err != nil {
		r.t.Fatalf("signet wg keygen: %v\n%s", err, out)
	}
	if r.boxWG, err = wgintake.ParseKey(strings.TrimSpace(string(out))); err != nil {
		r.t.Fatal(err)
	}
	r.peerPriv, _ = wgintake.GenerateKey()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		r.t.Fatal(err)
	}
	r.wgPort = c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	r.wgConf = filepath.Join(r.t.TempDir(), "intake", "wg.json")
	os.MkdirAll(filepath.Dir(r.wgConf), 0o700)
	cfg := fmt.Sprintf(`{"listen_address": "127.0.0.1", "listen_port": %d, "address": "10.88.0.1", "peers": [
		{"name": "flood", "public_key": %q, "tunnel_ip": "10.88.0.2"}]}`, r.wgPort, r.peerPriv.Public())
	if err := os.WriteFile(r.wgConf, []byte(cfg), 0o600); err != nil {
		r.t.Fatal(err)
	}
}

// start runs signet serve on a pty with an operator who types the
// passphrase, and waits until its socket and intake answer.
func (r *floodRig) start() {
	t := r.t
	p, err := openCrashPTY()
	if err != nil {
		t.Fatal(err)
	}
	errPath := filepath.Join(r.dir, "serve.err")
	errFile, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	args := []string{"serve", "--state", r.dir, "--socket", r.sock, "--console", p.slavePath, "--insecure-soft-key",
		"--insecure-console", "--demo-authority", "--review-timeout", "20s", "--no-color", "--wireguard", r.wgConf}
	if r.cred != nil {
		g, err := user.LookupGroupId(strconv.Itoa(int(r.cred.Gid)))
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--group", g.Name)
	}
	cmd := exec.Command(r.bin, args...)
	cmd.Stdout, cmd.Stderr = errFile, errFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &crashDaemon{cmd: cmd, pty: p, done: make(chan struct{})}
	d.op = testrig.StartOperator(testrig.PTY{Master: p.master}, testrig.OperatorConfig{PIN: crashPassphrase, Policy: testrig.ApproveAll})
	go func() { _ = cmd.Wait(); close(d.done) }()
	r.d = d
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-d.done
		}
		p.close()
		<-d.op.Done()
	})
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		text, _ := os.ReadFile(errPath)
		if strings.Contains(string(text), "WireGuard intake on UDP port") && r.statusOK() {
			return
		}
		select {
		case <-d.done:
			t.Fatalf("signet serve exited:\n%s", text)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("signet serve did not come up in 60 s:\n%s", text)
		}
	}
}

func (r *floodRig) statusOK() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := api.NewUnixClient(r.sock).Status(ctx)
	return err == nil
}

func (r *floodRig) attackerUID() string {
	if r.cred == nil {
		return strconv.Itoa(os.Getuid()) + " (the operator's own)"
	}
	return strconv.Itoa(int(r.cred.Uid))
}

// statusLatency runs the operator's `signet status` n times, one after
// the other, and returns how long each took. Each must answer.
func (r *floodRig) statusLatency(n int) []time.Duration {
	r.t.Helper()
	var out []time.Duration
	for range n {
		t0 := time.Now()
		text, err := exec.Command(r.bin, "status", "--socket", r.sock).CombinedOutput()
		out = append(out, time.Since(t0))
		if err != nil || !strings.Contains(string(text), "box key:") {
			r.t.Fatalf("signet status during the flood: %v\n%s", err, text)
		}
	}
	return out
}

// rpcFigures asks for the status n times from this process (no process
// start), printing the figures as NAME-rpc: the daemon's own part.
func (r *floodRig) rpcFigures(name string, n int) {
	var lat []time.Duration
	c := api.NewUnixClient(r.sock) // one client, as a monitor would keep
	for range n {
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := c.Status(ctx)
		cancel()
		if err != nil {
			r.t.Fatalf("status during the flood: %v", err)
		}
		lat = append(lat, time.Since(t0))
	}
	r.figures(name, "status-rpc", lat)
}

// statusFigures prints p50, p95 and max of the latencies of `signet
// status`, process start included.
func (r *floodRig) statusFigures(name string, lat []time.Duration) { r.figures(name, "status", lat) }

// figures prints p50, p95 and max of lat as flood-NAME-WHAT-… lines.
func (r *floodRig) figures(name, what string, lat []time.Duration) {
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, f := range []struct {
		q string
		d time.Duration
	}{{"p50", q(0.5)}, {"p95", q(0.95)}, {"max", lat[len(lat)-1]}} {
		fmt.Printf("FIGURE flood-%s-%s-%s %.1f ms\n", name, what, f.q, ms(f.d))
	}
}

func (r *floodRig) daemonFDs() int {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", r.d.cmd.Process.Pid))
	if err != nil {
		r.t.Fatal(err)
	}
	return len(ents)
}

// daemonRSS is the daemon's resident memory in bytes (all of it locked).
func (r *floodRig) daemonRSS() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.d.cmd.Process.Pid))
	if err != nil {
		r.t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(v)[0])
			return kb << 10
		}
	}
	return 0
}

// attacker starts signet-flood; counts returns its latest counts, stop
// kills it.
func (r *floodRig) attacker(t *testing.T, mode string, n int) (counts func() (opened, closed int), stop func()) {
	cmd := exec.Command(r.testBin, r.sock, strconv.Itoa(n))
	cmd.Args = []string{"signet-flood", mode, r.sock, strconv.Itoa(n)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var last atomic.Value
	last.Store([2]int{})
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			var o, c int
			if _, err := fmt.Sscanf(s.Text(), "opened %d closed %d", &o, &c); err == nil {
				last.Store([2]int{o, c})
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) }
	t.Cleanup(stop)
	return func() (int, int) { v := last.Load().([2]int); return v[0], v[1] }, stop
}

// flood runs one attacker of mode with n connections, measures the
// operator's status under it and checks the daemon's resources.
func (r *floodRig) flood(t *testing.T, name, mode string, n int) {
	counts, stop := r.attacker(t, mode, n)
	// Let the flood build up: n connections opened, or two seconds.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if o, _ := counts(); o >= n {
			break
		}
	}
	lat := r.statusLatency(25)
	r.rpcFigures(name, 25)
	fds, rss := r.daemonFDs(), r.daemonRSS()
	opened, closed := counts()
	r.statusFigures(name, lat)
	fmt.Printf("FIGURE flood-%s-daemon-fds %d fds\nFIGURE flood-%s-daemon-rss %d MiB\n", name, fds, name, rss>>20)
	t.Logf("%s flood: attacker opened %d connections, the daemon closed %d; daemon %d fds, %d MiB", name, opened, closed, fds, rss>>20)
	if opened == 0 {
		t.Fatalf("the %s attacker opened no connection", name)
	}
	if limit := signer.UnixLimits.Total + r.baseFDs + 32; fds > limit {
		t.Errorf("the daemon holds %d descriptors under the %s flood, over %d", fds, name, limit)
	}
	if grown := rss - r.baseRSS; grown > 128<<20 {
		t.Errorf("the daemon's memory grew by %d MiB under the %s flood", grown>>20, name)
	}
	if mode != "churn" && closed == 0 {
		t.Errorf("the daemon closed none of the %s attacker's %d connections", name, opened)
	}
	stop()
	r.settle()
}

// settle waits until the daemon has let go of a stopped attacker's
// connections, so the next flood starts clean.
func (r *floodRig) settle() {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r.daemonFDs() <= r.baseFDs+8 {
			return
		}
	}
}

// manyProcesses sends one request from each of 70 processes of one uid:
// every process shares the uid's 60 requests a minute.
func (r *floodRig) manyProcesses(t *testing.T) {
	const procs = 70
	var limited, other atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		for range procs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				var k [32]byte
				rand.Read(k[:])
				cmd := exec.Command(r.bin, "remove", "tlpub:"+hex.EncodeToString(k[:]), "--socket", r.sock)
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
				out, _ := cmd.CombinedOutput()
				if strings.Contains(string(out), "requests in a minute") {
					limited.Add(1)
				} else if !strings.Contains(string(out), "signet: error:") {
					other.Add(1)
					t.Errorf("a request process got %s", out)
				}
			}()
		}
		wg.Wait()
	}()
	// The operator keeps asking while the processes run, with the CLI and
	// from this process.
	var lat, rpc []time.Duration
	c := api.NewUnixClient(r.sock)
	for running := true; running; {
		lat = append(lat, r.statusLatency(1)...)
		t0 := time.Now()
		if _, err := c.Status(context.Background()); err != nil {
			t.Fatalf("status during the flood: %v", err)
		}
		rpc = append(rpc, time.Since(t0))
		select {
		case <-done:
			running = false
		default:
		}
	}
	elapsed := time.Since(start)
	r.statusFigures("processes", lat)
	r.figures("processes", "status-rpc", rpc)
	t.Logf("%d processes of uid %s in %v: %d refused by the rate limit", procs, r.attackerUID(), elapsed.Round(time.Millisecond), limited.Load())
	want := int64(procs - signer.DefaultPolicy.RatePerMinute)
	if n := limited.Load(); n > want || n == 0 || elapsed < 50*time.Second && n != want {
		t.Fatalf("%d of %d processes of one uid were rate-limited, want %d: each new process must not get a fresh allowance", n, procs, want)
	}
}

// wireguardFlood opens 600 idle keep-alive connections as the intake's
// one peer: the peer keeps at most its allowance, the box answers the
// peer's next status, and the operator's status on the socket answers.
func (r *floodRig) wireguardFlood(t *testing.T) {
	cfg, err := wgintake.ParseConfig(fmt.Appendf(nil, `{"listen_address": "127.0.0.1", "listen_port": 0, "address": "10.88.0.2",
		"peers": [{"name": "box", "public_key": %q, "tunnel_ip": "10.88.0.1", "endpoint": "127.0.0.1:%d"}]}`, r.boxWG, r.wgPort))
	if err != nil {
		t.Fatal(err)
	}
	tun, err := wgintake.Up(r.peerPriv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	box := netip.MustParseAddrPort("10.88.0.1:80")
	dial := func(ctx context.Context) (net.Conn, error) { return tun.Net().DialContextTCPAddrPort(ctx, box) }
	const conns = 600
	var opened, closed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			c, err := dial(ctx)
			cancel()
			if err != nil {
				<-sem
				return
			}
			opened.Add(1)
			c.SetDeadline(time.Now().Add(20 * time.Second))
			io.WriteString(c, "GET /v1/status?hsm=no HTTP/1.1\r\nHost: signet\r\n\r\n")
			br := bufio.NewReader(c)
			if resp, err := http.ReadResponse(br, nil); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			<-sem
			// Idle until the box closes it, or the test ends.
			c.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := io.Copy(io.Discard, br); err == nil {
				closed.Add(1)
			}
			c.Close()
		}()
	}
	for deadline := time.Now().Add(60 * time.Second); opened.Load() < conns && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
	}
	lat := r.statusLatency(25)
	r.statusFigures("wireguard-idle", lat)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) }}, Timeout: 20 * time.Second}
	resp, err := hc.Get("http://10.88.0.1/v1/status?hsm=no")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the peer's own status after its flood: %v %v", err, resp)
	}
	resp.Body.Close()
	time.Sleep(500 * time.Millisecond)
	open := opened.Load() - closed.Load()
	t.Logf("wireguard flood: %d connections opened, %d closed by the box, %d open", opened.Load(), closed.Load(), open)
	if max := int64(signer.NetLimits.PerPeer + signer.NetLimits.StatusOnly + 1); open > max {
		t.Fatalf("the peer holds %d idle connections, want at most %d", open, max)
	}
	fmt.Printf("FIGURE flood-wireguard-idle-peer-open %d conns\n", open)
	tun.Close()
	wg.Wait()
}

// forgedReports: another uid's delivery report of the operator's result
// is refused, so is one for a node key the request did not sign, and a
// flood of reports journals one record and is rate-limited.
func (r *floodRig) forgedReports(t *testing.T) {
	var k [32]byte
	rand.Read(k[:])
	nk := "nodekey:" + hex.EncodeToString(k[:])
	out, err := exec.Command(r.bin, "sign", "--socket", r.sock, "--id", "report-1", nk).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "signature: ") {
		t.Fatalf("signet sign: %v\n%s", err, out)
	}
	reports := func(cred *syscall.Credential, n int, nodeKey string) map[string]int {
		cmd := exec.Command(r.testBin)
		cmd.Args = []string{"signet-flood", "report", r.sock, strconv.Itoa(n), "report-1", nodeKey}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("signet-flood report: %v\n%s", err, out)
		}
		got := map[string]int{}
		for line := range strings.Lines(string(out)) {
			code, msg, _ := strings.Cut(strings.TrimSpace(line), " ")
			switch {
			case strings.Contains(msg, "may not report"):
				msg = "may not report"
			case strings.Contains(msg, "requests in a minute"):
				msg = "rate-limited"
			case strings.Contains(msg, "released no signature"):
				msg = "wrong node key"
			}
			got[code+" "+msg]++
		}
		return got
	}
	if r.cred != nil {
		if got := reports(r.cred, 3, nk); got["422 may not report"] != 3 {
			t.Errorf("another uid's reports of the operator's result: %v, want 3 refused", got)
		}
	} else {
		t.Log("not root: the attack by another uid is left to signer's TestDeliveredForgeries")
	}
	rand.Read(k[:])
	if got := reports(nil, 1, "nodekey:"+hex.EncodeToString(k[:])); got["422 wrong node key"] != 1 {
		t.Errorf("a report for a node key the request did not sign: %v", got)
	}
	// The report above used one of the operator's 60 a minute.
	limit := signer.DefaultPolicy.RatePerMinute
	got := reports(nil, limit+9, nk)
	if got["200 "] != limit-1 || got["422 rate-limited"] != 10 {
		t.Errorf("a flood of %d reports: %v, want %d taken and 10 rate-limited", limit+9, got, limit-1)
	}
	if n := delivered(t, r.dir, "report-1"); n != 1 {
		t.Errorf("%d delivered records for report-1, want 1", n)
	}
}

// delivered counts the delivered records of request id in dir's journal.
func delivered(t *testing.T, dir, id string) int {
	n := 0
	if _, err := signer.ScanFile(statedir.Path(dir, statedir.Journal), func(rec signer.Record) error {
		if rec.Type == signer.RecDelivered && rec.RequestID == id {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
