package signer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair sized rows x cols: the test drives
// master, the console runs on slave.
func openPTY(t testing.TB, rows, cols int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx: %v", err)
	}
	mfd, err := fileFD(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("reading the pty number: %v", err)
	}
	ws := &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}
	if err := unix.IoctlSetWinsize(mfd, unix.TIOCSWINSZ, ws); err != nil {
		t.Fatalf("sizing the pty: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the pty's slave: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// ptyConsole is a Console on a pty plus everything it wrote to the screen.
type ptyConsole struct {
	t      testing.TB
	master *os.File
	c      *Console
	mu     sync.Mutex
	screen bytes.Buffer
	mark   int
}

// newPTYConsole starts a Console on a fresh 40x120 pty.
func newPTYConsole(t testing.TB, opts ConsoleOptions) *ptyConsole {
	m, s := openPTY(t, 40, 120)
	c, err := NewConsole(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &ptyConsole{t: t, master: m, c: c}
	go p.copyScreen()
	return p
}

// copyScreen collects what the console writes until the pty closes.
func (p *ptyConsole) copyScreen() {
	buf := make([]byte, 64<<10)
	for {
		n, err := p.master.Read(buf)
		p.mu.Lock()
		p.screen.Write(buf[:n])
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// output returns what the console wrote since the last waitFor.
func (p *ptyConsole) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.screen.String()[p.mark:]
}

// all returns everything the console wrote.
func (p *ptyConsole) all() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.screen.String()
}

// waitFor waits until s appears in the output after the previous match.
func (p *ptyConsole) waitFor(s string) {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		all := p.screen.String()
		if i := strings.Index(all[p.mark:], s); i >= 0 {
			p.mark += i + len(s)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	p.t.Fatalf("screen never showed %q; last output:\n%q", s, tail(p.output(), 2000))
}

// typeKeys writes keys as if typed on the terminal.
func (p *ptyConsole) typeKeys(keys string) {
	p.t.Helper()
	if _, err := p.master.WriteString(keys); err != nil {
		p.t.Fatal(err)
	}
}

type confirmResult struct {
	d   Decision
	err error
}

// confirm runs Confirm in the background.
func (p *ptyConsole) confirm(ctx context.Context, r Review) <-chan confirmResult {
	ch := make(chan confirmResult, 1)
	go func() {
		d, err := p.c.Confirm(ctx, r)
		ch <- confirmResult{d, err}
	}()
	return ch
}

// result waits for a Confirm started with confirm.
func (p *ptyConsole) result(ch <-chan confirmResult) confirmResult {
	p.t.Helper()
	select {
	case res := <-ch:
		return res
	case <-time.After(20 * time.Second):
		p.t.Fatalf("Confirm did not return; screen:\n%q", tail(p.output(), 2000))
	}
	return confirmResult{}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
