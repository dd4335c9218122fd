// Package swtpm starts a software TPM 2.0 (swtpm) on loopback for tests
// and benchmarks. It is never linked into the signet binary.
package swtpm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Instance is a running swtpm serving TCP on 127.0.0.1 (command port, and
// the control port one above it).
type Instance struct {
	cmd  *exec.Cmd
	port int
	// Device is the address signet's TPM backend takes: tcp://127.0.0.1:PORT.
	Device string
}

// ErrMissing means swtpm is not installed.
var ErrMissing = errors.New("swtpm is not installed; scripts/deps.sh installs it")

// Start runs swtpm with its state in dir (made if missing) on a free pair
// of ports, retrying when another process took the ports first.
func Start(dir string) (*Instance, error) {
	if _, err := exec.LookPath("swtpm"); err != nil {
		return nil, ErrMissing
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var lastErr error
	for range 4 {
		port, err := freePortPair()
		if err != nil {
			return nil, err
		}
		s := &Instance{port: port, Device: "tcp://127.0.0.1:" + strconv.Itoa(port)}
		var out bytes.Buffer
		s.cmd = exec.Command("swtpm", "socket", "--tpm2", "--tpmstate", "dir="+dir,
			"--flags", "not-need-init,startup-clear",
			"--server", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port),
			"--ctrl", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port+1))
		s.cmd.Stdout, s.cmd.Stderr = &out, &out
		if err := s.cmd.Start(); err != nil {
			return nil, fmt.Errorf("starting swtpm: %w", err)
		}
		if s.waitReady() {
			return s, nil
		}
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		lastErr = fmt.Errorf("swtpm did not come up on port %d: %s", port, out.String())
	}
	return nil, lastErr
}

func (s *Instance) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *Instance) waitReady() bool {
	for range 250 {
		if c, err := net.Dial("tcp", s.addr()); err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// Stop sends TPM2_Shutdown(CLEAR), so the next start does not count an
// unorderly shutdown against the dictionary-attack counter, then ends
// swtpm.
func (s *Instance) Stop() {
	if c, err := net.DialTimeout("tcp", s.addr(), time.Second); err == nil {
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		_, _ = c.Write([]byte{0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0}) // TPM2_Shutdown(CLEAR)
		_, _ = io.ReadFull(c, make([]byte, 10))
		c.Close()
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
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
