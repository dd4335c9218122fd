package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/ptytest"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// syncBuffer is a log that the daemon writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// consolePTY is a pty for the daemon's console and a recorder of its
// screen.
//
// NOTE(daemon): the daemon claims its console (terminal.TTY.Claim): this
// test process then leads a session whose controlling terminal is the
// pty, and gets SIGHUP when the pty closes at the test's end, which it
// ignores. The close also ends the claim, so the next test claims anew.
func consolePTY(t *testing.T) (path string, scr *ptytest.Screen) {
	signal.Ignore(syscall.SIGHUP)
	m, s := ptytest.Open(t, 40, 120)
	return s.Name(), ptytest.Record(t, m)
}

// sharedPTY is a pty that is the controlling terminal of another
// session, a child's, as a shell's terminal is.
func sharedPTY(t *testing.T) string {
	_, s := ptytest.Open(t, 40, 120)
	cmd := exec.Command("sleep", "60")
	cmd.Stdin = s
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return s.Name()
}

// wgFiles writes the box's WireGuard key into ks.Dir and an intake
// config with one peer, and returns the config's path.
func wgFiles(t *testing.T, ks *statedir.KeyState) string {
	t.Helper()
	if _, err := wgintake.WritePrivateKey(statedir.Path(ks.Dir, statedir.WGKey)); err != nil {
		t.Fatal(err)
	}
	peer, err := wgintake.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "wg.json")
	text := fmt.Sprintf(`{"listen_address": "127.0.0.1", "listen_port": 0, "address": "10.77.0.1",
		"peers": [{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2", "rate_per_minute": 10}]}`, peer.Public())
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// eventually waits up to 10 s for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestRun starts the daemon on a soft key with a demo authority and a
// WireGuard intake, asks it for its status through the socket and the
// intake's status socket, and stops it.
func TestRun(t *testing.T) {
	ks := softState(t)
	console, scr := consolePTY(t)
	var log syncBuffer
	o := Options{Socket: filepath.Join(t.TempDir(), "s.sock"), Console: console, ReviewTimeout: time.Minute,
		InsecureSoftKey: true, InsecureConsole: true, Demo: true, NoColor: true, QRResults: true, WireGuard: wgFiles(t, ks), Log: &log}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, ks, o, -1) }()
	scr.WaitFor("PIN to ")
	scr.Type(passphrase + "\r")
	var st *api.StatusInfo
	eventually(t, "the daemon to answer on its socket", func() bool {
		var err error
		st, err = api.NewUnixClient(o.Socket).Status(ctx)
		return err == nil
	})
	if st.BoxKey != tka.FormatTLPub(ks.Pub) || !st.BoxKeyTrusted {
		t.Errorf("status %+v, want the box's key, trusted", st)
	}
	for _, w := range []Where{{Dir: ks.Dir, DirGiven: true}, {Dir: ks.Dir, Socket: "/nonexistent"}, {Socket: o.Socket, SocketGiven: true}} {
		if got, err := AskStatus(ctx, w); err != nil || got.Boot != st.Boot {
			t.Errorf("AskStatus(%+v): %+v, %v", w, got, err)
		}
	}
	rec, err := statedir.ReadServeRecord(ks.Dir)
	if err != nil || rec.Socket != o.Socket || rec.PID != os.Getpid() || rec.Boot != st.Boot {
		t.Errorf("serve.json %+v, %v", rec, err)
	}
	if peers, err := wgintake.ReadStatus(statedir.Path(ks.Dir, statedir.WGStatusSocket)); err != nil || len(peers) != 1 || peers[0].Name != "relay" {
		t.Errorf("the intake's status: %+v, %v; want the relay", peers, err)
	}
	for _, want := range []string{"signet: warning: INSECURE CONSOLE (--insecure-console): ", "signet: created a DEMO authority in ",
		"signet: WireGuard intake on UDP port 0, API at 10.77.0.1 port 80, 1 peers\n"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	scr.WaitFor("signet serving " + o.Socket)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("the daemon stopped with %v", err)
	}
	if _, err := statedir.ReadServeRecord(ks.Dir); err == nil {
		t.Error("serve.json is left after the daemon stopped")
	}
}

// TestRunRefuses checks what stops the daemon before it serves.
func TestRunRefuses(t *testing.T) {
	ctx := context.Background()
	t.Run("soft key", func(t *testing.T) {
		err := Run(ctx, softState(t), Options{Log: io.Discard})
		want := "signet: error: the key is a software key (soft:), which is for development only\n" +
			"signet: hint: provision a TPM or YubiKey key with 'signet key init', or pass --insecure-soft-key to try signet out\n"
		if printed(err) != want {
			t.Errorf("got %q, want %q", printed(err), want)
		}
	})
	t.Run("group", func(t *testing.T) {
		err := Run(ctx, softState(t), Options{InsecureSoftKey: true, Group: "no-such-group-signet", GroupGiven: true, Log: io.Discard})
		if !strings.HasPrefix(printed(err), `signet: error: --group "no-such-group-signet": `) {
			t.Errorf("got %q", printed(err))
		}
	})
	t.Run("locked", func(t *testing.T) {
		ks := softState(t)
		unlock, err := statedir.TakeLock(ks.Dir)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		if err := run(ctx, ks, Options{Log: io.Discard}, -1); err == nil {
			t.Error("a second daemon started on a locked state dir")
		}
	})
	t.Run("state", func(t *testing.T) {
		ks := softState(t)
		if err := os.WriteFile(statedir.Path(ks.Dir, statedir.Journal), []byte(`{"torn`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := run(ctx, ks, Options{Log: io.Discard}, -1); !strings.Contains(printed(err), "signet journal repair") {
			t.Errorf("a torn journal: %q", printed(err))
		}
	})
	t.Run("no console", func(t *testing.T) {
		err := run(ctx, softState(t), Options{Console: filepath.Join(t.TempDir(), "tty9"), Log: io.Discard}, -1)
		if !strings.HasSuffix(printed(err), "signet: hint: run signet serve on a terminal, or pass --console /dev/ttyN\n") {
			t.Errorf("a missing console: %q", printed(err))
		}
	})
	t.Run("shared console", func(t *testing.T) {
		err := run(ctx, softState(t), Options{Console: sharedPTY(t), Log: io.Discard}, -1)
		if got := printed(err); !strings.HasPrefix(got, "signet: error: other processes could type into the console: ") ||
			!strings.HasSuffix(got, "signet: hint: to try signet out on a shared terminal, pass --insecure-console (development only)\n") {
			t.Errorf("a console this process cannot claim: %q", got)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		ks := softState(t)
		other := softState(t)
		ks.URI = other.URI
		console, scr := consolePTY(t)
		done := make(chan error, 1)
		go func() { done <- run(ctx, ks, Options{Console: console, InsecureConsole: true, Log: io.Discard}, -1) }()
		scr.WaitFor("PIN to ")
		scr.Type(passphrase + "\r")
		err := <-done
		if err == nil || !strings.HasSuffix(err.Error(), "; was the device swapped?") {
			t.Errorf("another key: %v", err)
		}
	})
	t.Run("no authority", func(t *testing.T) {
		ks := softState(t)
		st, err := OpenState(ks)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		console, _ := consolePTY(t)
		c, err := signer.OpenConsole(console, signer.ConsoleOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = serve(ctx, ks.Dir, Options{Log: io.Discard}, -1, openSoft(t, ks), c, st)
		if !errors.Is(err, signer.ErrNoAuthority) {
			t.Errorf("no authority: %v", err)
		}
	})
}

// TestStartWireGuard checks the intake's own refusals.
func TestStartWireGuard(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "wg.json")
	_, err := StartWireGuard(ctx, io.Discard, dir, missing, nil)
	if !strings.HasSuffix(printed(err), "signet: hint: see docs/wireguard.md for the file's fields\n") {
		t.Errorf("no config: %q", printed(err))
	}
	if err := os.WriteFile(missing, []byte(`{"address": "10.77.0.1", "peers": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = StartWireGuard(ctx, io.Discard, dir, missing, nil)
	if !strings.HasSuffix(printed(err), "signet: hint: make the key with 'signet wg keygen'\n") {
		t.Errorf("no key: %q", printed(err))
	}
	if _, err := wgintake.WritePrivateKey(statedir.Path(dir, statedir.WGKey)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(statedir.Path(dir, statedir.WGStatusSocket), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := StartWireGuard(ctx, io.Discard, dir, missing, nil); err == nil {
		t.Error("the intake started though its status socket's path is a directory")
	}
	t.Run("port taken", func(t *testing.T) {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		port := c.LocalAddr().(*net.UDPAddr).Port
		if _, err := ServeWireGuard(ctx, io.Discard, nil, wgintake.Key{1}, wgConfig(t, port)); err == nil {
			t.Errorf("an intake came up on the taken UDP port %d", port)
		}
	})
}

// wgConfig is an intake config on 127.0.0.1:port with no peers.
func wgConfig(t *testing.T, port int) *wgintake.Config {
	cfg, err := wgintake.ParseConfig(fmt.Appendf(nil, `{"listen_address": "127.0.0.1", "listen_port": %d, "address": "10.77.0.1", "peers": []}`, port))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
