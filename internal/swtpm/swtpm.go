// Package swtpm starts a software TPM 2.0 (swtpm) for tests and
// benchmarks, on loopback TCP or on a unix socket. It is never linked into
// the signet binary.
package swtpm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Instance is a running swtpm: its command channel on 127.0.0.1:PORT
// (control on PORT+1) or on DIR/tpm.sock (control on DIR/ctrl.sock).
type Instance struct {
	dir     string
	unix    bool
	cmd     *exec.Cmd
	network string
	address string
	// Device is the address signet's TPM backend takes:
	// tcp://127.0.0.1:PORT or unix://DIR/tpm.sock.
	Device string
}

// ErrMissing means swtpm is not installed.
var ErrMissing = errors.New("swtpm is not installed; scripts/deps.sh installs it")

// Start runs swtpm over TCP with its state in dir (made if missing) on a
// free pair of ports, retrying when another process took the ports first.
func Start(dir string) (*Instance, error) { return start(dir, false) }

// StartUnix runs swtpm on unix sockets in dir, where its state also is.
func StartUnix(dir string) (*Instance, error) { return start(dir, true) }

func start(dir string, unix bool) (*Instance, error) {
	if _, err := exec.LookPath("swtpm"); err != nil {
		return nil, ErrMissing
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &Instance{dir: dir, unix: unix}
	return s, s.run()
}

// run starts swtpm on s's state directory, on new ports for TCP.
func (s *Instance) run() error {
	var lastErr error
	for range 4 {
		args := []string{"socket", "--tpm2", "--tpmstate", "dir=" + s.dir, "--flags", "not-need-init,startup-clear"}
		if s.unix {
			sock := filepath.Join(s.dir, "tpm.sock")
			_ = os.Remove(sock)
			args = append(args, "--server", "type=unixio,path="+sock, "--ctrl", "type=unixio,path="+filepath.Join(s.dir, "ctrl.sock"))
			s.network, s.address, s.Device = "unix", sock, "unix://"+sock
		} else {
			port, err := freePortPair()
			if err != nil {
				return err
			}
			args = append(args,
				"--server", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port),
				"--ctrl", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port+1))
			s.network, s.address = "tcp", "127.0.0.1:"+strconv.Itoa(port)
			s.Device = "tcp://" + s.address
		}
		var out bytes.Buffer
		s.cmd = exec.Command("swtpm", args...)
		s.cmd.Stdout, s.cmd.Stderr = &out, &out
		if err := s.cmd.Start(); err != nil {
			return fmt.Errorf("starting swtpm: %w", err)
		}
		if s.waitReady() {
			return nil
		}
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
		lastErr = fmt.Errorf("swtpm did not come up at %s: %s", s.Device, out.String())
	}
	return lastErr
}

func (s *Instance) waitReady() bool {
	for range 250 {
		if c, err := net.Dial(s.network, s.address); err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// Stop sends TPM2_Shutdown(CLEAR), so the next start does not count an
// unorderly shutdown against the dictionary-attack counter, then ends
// swtpm. Stopping a stopped instance does nothing.
func (s *Instance) Stop() {
	if s.cmd == nil {
		return
	}
	s.shutdown()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Restart stops swtpm and starts it again on the same state, as a reboot
// does (TCP ports may change: read Device again).
func (s *Instance) Restart() error {
	s.Stop()
	return s.run()
}

// shutdown sends TPM2_Shutdown(CLEAR) on a new connection with a short
// deadline: swtpm serves one connection at a time, so it would block while
// a test still holds another one.
func (s *Instance) shutdown() {
	c, err := net.DialTimeout(s.network, s.address, time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	_, _ = c.Write([]byte{0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0}) // TPM2_Shutdown(CLEAR)
	_, _ = io.ReadFull(c, make([]byte, 10))
}

// freePortPair finds a port p such that p and p+1 are both free.
func freePortPair() (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		l.Close()
		if err == nil {
			l2.Close()
			return p, nil
		}
	}
	return 0, errors.New("no free pair of TCP ports")
}
