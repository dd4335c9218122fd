package tpm_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm/internal/hsmtest"
	"github.com/signetbox/signet/hsm/tpm"
)

// swtpm is a software TPM started by a test in its own state directory.
type swtpm struct {
	t      testing.TB
	dir    string
	unix   bool
	port   int
	cmd    *exec.Cmd
	Device string // for hsm.URI / tpm.OpenDevice
}

func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		hsmtest.SkipOrFail(t, "%s is not installed (run scripts/deps.sh)", name)
	}
}

// startSWTPM starts swtpm over TCP (or a unix socket) with a new state
// directory. Cleanup sends TPM2_Shutdown, then stops it.
func startSWTPM(t testing.TB, unix bool) *swtpm {
	t.Helper()
	needTool(t, "swtpm")
	s := &swtpm{t: t, dir: t.TempDir(), unix: unix}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *swtpm) start() {
	s.t.Helper()
	for try := 0; ; try++ {
		args := []string{"socket", "--tpm2", "--tpmstate", "dir=" + s.dir,
			"--flags", "not-need-init,startup-clear"}
		if s.unix {
			sock := filepath.Join(s.dir, "tpm.sock")
			os.Remove(sock)
			args = append(args, "--server", "type=unixio,path="+sock,
				"--ctrl", "type=unixio,path="+filepath.Join(s.dir, "ctrl.sock"))
			s.Device = "unix://" + sock
		} else {
			s.port = freePortPair(s.t)
			args = append(args,
				"--server", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", s.port),
				"--ctrl", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", s.port+1))
			s.Device = "tcp://127.0.0.1:" + strconv.Itoa(s.port)
		}
		s.cmd = exec.Command("swtpm", args...)
		var stderr bytes.Buffer
		s.cmd.Stdout, s.cmd.Stderr = &stderr, &stderr
		if err := s.cmd.Start(); err != nil {
			s.t.Fatalf("starting swtpm: %v", err)
		}
		if s.waitReady() {
			return
		}
		s.cmd.Process.Kill()
		s.cmd.Wait()
		if try == 3 {
			s.t.Fatalf("swtpm did not come up at %s: %s", s.Device, stderr.String())
		}
	}
}

func (s *swtpm) waitReady() bool {
	network, addr := "tcp", "127.0.0.1:"+strconv.Itoa(s.port)
	if s.unix {
		network, addr = "unix", filepath.Join(s.dir, "tpm.sock")
	}
	for range 100 {
		if c, err := net.Dial(network, addr); err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// stop sends TPM2_Shutdown(CLEAR) so the DA counter does not rise at the
// next start, then terminates swtpm.
func (s *swtpm) stop() {
	if s.cmd == nil {
		return
	}
	s.shutdown()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// shutdown sends TPM2_Shutdown(CLEAR) on a new connection with a short
// deadline: swtpm serves one connection at a time, so it blocks while a
// test still holds another one.
func (s *swtpm) shutdown() {
	network, addr := "tcp", "127.0.0.1:"+strconv.Itoa(s.port)
	if s.unix {
		network, addr = "unix", filepath.Join(s.dir, "tpm.sock")
	}
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	c.Write([]byte{0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0}) // TPM2_Shutdown(CLEAR)
	rsp := make([]byte, 10)
	if _, err := io.ReadFull(c, rsp); err != nil {
		s.t.Logf("swtpm: TPM2_Shutdown got no answer: %v", err)
	}
}

// restart stops swtpm and starts it again on the same state directory.
func (s *swtpm) restart() {
	s.stop()
	s.start()
}

// open connects to swtpm and closes the connection at cleanup.
func (s *swtpm) open() transport.TPMCloser {
	s.t.Helper()
	t, err := tpm.OpenDevice(s.Device)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { t.Close() })
	return t
}

// provisionClosed provisions on a connection of its own and closes it, so
// the test can open the key on another connection.
func (s *swtpm) provisionClosed() (string, []byte) {
	s.t.Helper()
	t, err := tpm.OpenDevice(s.Device)
	if err != nil {
		s.t.Fatal(err)
	}
	defer t.Close()
	return provision(s.t, t)
}

func freePortPair(t testing.TB) int {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no free pair of TCP ports")
	return 0
}
