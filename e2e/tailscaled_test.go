package e2e

// The real tailscaled and tailscale binaries as test peers, built from the
// tailscale.com release this module pins and started the way
// tailscale.com's own integration tests start them (tstest/integration,
// read, not imported: it pulls in modules the proxy refuses): userspace
// networking, a state directory and socket of their own, no log upload,
// and control, DERP and STUN on 127.0.0.1.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/types/key"
)

// tsBinaries are the paths of the built tailscaled and tailscale.
type tsBinaries struct {
	version    string
	tailscaled string
	tailscale  string
}

var (
	tsBinOnce sync.Once
	tsBin     tsBinaries
	tsBinErr  error
)

// pinnedTailscale is the tailscale.com version the module pins, the one
// this test links (a test binary records no dependency versions, so the
// go command is asked).
func pinnedTailscale() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "tailscale.com")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("asking the go command for the pinned tailscale.com: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// tailscaleBinaries builds cmd/tailscaled and cmd/tailscale of the pinned
// release into a directory of the user's cache named by the version, once
// per test process. The build uses interop/<version>/go.mod, which pins
// the release's own dependency versions; go build finds the binaries
// there up to date on later runs and does not link them again, so they
// cost one build per machine. A file lock keeps test processes that start
// together from building at once.
func tailscaleBinaries(t *testing.T) tsBinaries {
	t.Helper()
	tsBinOnce.Do(func() { tsBin, tsBinErr = buildTailscale() })
	if tsBinErr != nil {
		t.Fatal(tsBinErr)
	}
	return tsBin
}

func buildTailscale() (tsBinaries, error) {
	version, err := pinnedTailscale()
	if err != nil {
		return tsBinaries{}, err
	}
	modfile, err := filepath.Abs(filepath.Join("..", "interop", version, "go.mod"))
	if err != nil {
		return tsBinaries{}, err
	}
	if _, err := os.Stat(modfile); err != nil {
		return tsBinaries{}, fmt.Errorf("the module pins tailscale.com %s but interop/%s/go.mod is missing (see interop/README.md): %w", version, version, err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return tsBinaries{}, err
	}
	dir := filepath.Join(cache, "signet-test", "tailscale-"+version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tsBinaries{}, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return tsBinaries{}, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return tsBinaries{}, fmt.Errorf("locking %s: %w", dir, err)
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-modfile="+modfile, "-o", dir+string(filepath.Separator),
		"tailscale.com/cmd/tailscaled", "tailscale.com/cmd/tailscale")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return tsBinaries{}, fmt.Errorf("building tailscaled and tailscale %s: %v\n%s", version, err, out)
	}
	b := tsBinaries{version: version, tailscaled: filepath.Join(dir, "tailscaled"), tailscale: filepath.Join(dir, "tailscale")}
	out, err := exec.Command(b.tailscale, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), strings.TrimPrefix(version, "v")) {
		return tsBinaries{}, fmt.Errorf("the built tailscale says it is %q (%v), want %s", out, err, version)
	}
	fmt.Fprintf(os.Stderr, "e2e: tailscaled and tailscale %s ready in %v\n", version, time.Since(start).Round(time.Millisecond))
	return b, nil
}

// realNode is a tailscaled process and the tailscale CLI that talks to it.
type realNode struct {
	t     *testing.T
	name  string
	bin   tsBinaries
	dir   string
	sock  string
	cmd   *exec.Cmd
	lc    *local.Client
	ip    string // its Tailscale IPv4 address
	nodeK string // its node key, nodekey:<hex>
}

// startRealNode starts tailscaled and brings it up against controlURL
// with `tailscale up`; extra are more flags for up (an auth key).
func startRealNode(t *testing.T, ctx context.Context, bin tsBinaries, controlURL, name string, extra ...string) *realNode {
	t.Helper()
	// A unix socket path must be short; t.TempDir's can be too long.
	dir, err := os.MkdirTemp("", "ts-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	n := &realNode{t: t, name: name, bin: bin, dir: dir, sock: filepath.Join(dir, "sock")}
	n.lc = &local.Client{Socket: n.sock, UseSocketOnly: true}
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	// tailscaled exits when the read end of this pipe sees EOF: when the
	// test process ends, even by kill -9.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	n.cmd = exec.Command(bin.tailscaled, "--statedir="+dir, "--socket="+n.sock,
		"--tun=userspace-networking", "--port=0", "--no-logs-no-support")
	n.cmd.Env = append(os.Environ(),
		"TS_PARENT_DEATH_FD=3",
		"TS_NETCHECK_GENERATE_204_URL="+controlURL+"/generate_204",
		"TS_ASSUME_NETWORK_UP_FOR_TEST=1",
		"TS_PANIC_IF_HIT_MAIN_CONTROL=1",
		"TS_DISABLE_PORTMAPPER=1",
		"TS_LOGS_DIR="+dir)
	n.cmd.ExtraFiles = []*os.File{pr}
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("starting tailscaled for %s: %v", name, err)
	}
	pr.Close()
	t.Cleanup(func() {
		n.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { n.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			n.cmd.Process.Kill()
			<-done
		}
		pw.Close()
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("tailscaled %s log (last 4 KiB):\n%s", name, tail(b, 4096))
			}
		}
	})
	eventually(t, 30*time.Second, "tailscaled "+name+" to answer on its socket", func() bool {
		_, err := n.lc.StatusWithoutPeers(ctx)
		return err == nil
	})
	up := append([]string{"up", "--login-server=" + controlURL, "--hostname=" + name,
		"--accept-dns=false", "--timeout=90s"}, extra...)
	if out, err := n.tailscale(up...); err != nil {
		t.Fatalf("tailscale up on %s: %v\n%s", name, err, out)
	}
	st, err := n.lc.StatusWithoutPeers(ctx)
	if err != nil || st.Self == nil || len(st.Self.TailscaleIPs) == 0 {
		t.Fatalf("status of %s after up: %v", name, err)
	}
	n.ip, n.nodeK = st.Self.TailscaleIPs[0].String(), st.Self.PublicKey.String()
	return n
}

// tailscale runs the CLI against the node and returns its standard output
// (and standard error, on failure).
func (n *realNode) tailscale(args ...string) (string, error) {
	cmd := exec.Command(n.bin.tailscale, append([]string{"--socket=" + n.sock}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), fmt.Errorf("tailscale %s: %w", strings.Join(args, " "), err)
	}
	return stdout.String(), nil
}

// must runs the CLI and fails the test on an error.
func (n *realNode) must(args ...string) string {
	n.t.Helper()
	out, err := n.tailscale(args...)
	if err != nil {
		n.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// lockStatus is `tailscale lock status` as parsed by the daemon's client,
// for waiting on conditions.
func (n *realNode) lockStatus(ctx context.Context) *ipnstate.NetworkLockStatus {
	st, err := n.lc.NetworkLockStatus(ctx)
	if err != nil {
		return nil
	}
	return st
}

// key is n's node key.
func (n *realNode) key() key.NodePublic {
	var k key.NodePublic
	if err := k.UnmarshalText([]byte(n.nodeK)); err != nil {
		n.t.Fatalf("node key of %s: %v", n.name, err)
	}
	return k
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
