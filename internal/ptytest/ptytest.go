// Package ptytest gives tests a real pseudo-terminal: a pair sized like a
// screen, and a recorder of everything written to it that waits for text
// and types keys.
package ptytest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Open opens a pseudo-terminal pair sized rows x cols: the test drives
// master, the code under test runs on slave. Neither becomes the
// controlling terminal. Both close when the test ends.
func Open(t testing.TB, rows, cols int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx: %v", err)
	}
	var n int
	err = control(m, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return fmt.Errorf("unlocking the pty: %w", err)
		}
		if n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN); err != nil {
			return fmt.Errorf("reading the pty number: %w", err)
		}
		ws := &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}
		if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws); err != nil {
			return fmt.Errorf("sizing the pty: %w", err)
		}
		return nil
	})
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("opening the pty's slave: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// Resize sets the size of the terminal master belongs to.
func Resize(t testing.TB, master *os.File, rows, cols int) {
	t.Helper()
	err := control(master, func(fd int) error {
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)})
	})
	if err != nil {
		t.Fatalf("resizing the pty: %v", err)
	}
}

// control runs fn on f's descriptor without changing its blocking mode.
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(u uintptr) { ferr = fn(int(u)) }); err != nil {
		return err
	}
	return ferr
}

// Screen records what is written to a pty's slave, read from its master.
type Screen struct {
	t      testing.TB
	master *os.File
	mu     sync.Mutex
	buf    bytes.Buffer
	mark   int
}

// Record starts collecting what is written to master's terminal until
// master closes.
func Record(t testing.TB, master *os.File) *Screen {
	s := &Screen{t: t, master: master}
	go s.copy()
	return s
}

func (s *Screen) copy() {
	buf := make([]byte, 64<<10)
	for {
		n, err := s.master.Read(buf)
		s.mu.Lock()
		s.buf.Write(buf[:n])
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Output returns what was written since the last WaitFor match.
func (s *Screen) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()[s.mark:]
}

// All returns everything written.
func (s *Screen) All() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// WaitFor waits up to 10 seconds until text appears after the previous
// match, and fails the test if it does not.
func (s *Screen) WaitFor(text string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		all := s.buf.String()
		if i := strings.Index(all[s.mark:], text); i >= 0 {
			s.mark += i + len(text)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed %q; last output:\n%q", text, Tail(s.Output(), 2000))
}

// Type writes keys as if typed on the terminal.
func (s *Screen) Type(keys string) {
	s.t.Helper()
	if _, err := s.master.WriteString(keys); err != nil {
		s.t.Fatal(err)
	}
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
