package signer

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/ptytest"
	"golang.org/x/sys/unix"
)

// ptyConsole is a Console on a pty plus everything it wrote to the screen.
type ptyConsole struct {
	t      testing.TB
	master *os.File
	slave  *os.File
	c      *Console
	scr    *ptytest.Screen
}

// newPTYConsole starts a Console on a fresh 40x120 pty.
func newPTYConsole(t testing.TB, opts ConsoleOptions) *ptyConsole {
	return newSizedPTYConsole(t, 40, 120, opts)
}

// newSizedPTYConsole is newPTYConsole on a rows x cols pty.
func newSizedPTYConsole(t testing.TB, rows, cols int, opts ConsoleOptions) *ptyConsole {
	m, s := ptytest.Open(t, rows, cols)
	c, err := NewConsole(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &ptyConsole{t: t, master: m, slave: s, c: c, scr: ptytest.Record(t, m)}
}

// output returns what the console wrote since the last waitFor.
func (p *ptyConsole) output() string { return p.scr.Output() }

// all returns everything the console wrote.
func (p *ptyConsole) all() string { return p.scr.All() }

// waitFor waits until s appears in the output after the previous match.
func (p *ptyConsole) waitFor(s string) {
	p.t.Helper()
	p.scr.WaitFor(s)
}

// typeKeys writes keys as if typed on the terminal.
func (p *ptyConsole) typeKeys(keys string) {
	p.t.Helper()
	p.scr.Type(keys)
}

// termios reads the pty's terminal settings without touching the
// slave's blocking mode (os.File.Fd would).
func (p *ptyConsole) termios() (*unix.Termios, error) {
	rc, err := p.slave.SyscallConn()
	if err != nil {
		return nil, err
	}
	var t *unix.Termios
	cerr := rc.Control(func(fd uintptr) { t, err = unix.IoctlGetTermios(int(fd), unix.TCGETS) })
	if cerr != nil {
		return nil, cerr
	}
	return t, err
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

func tail(s string, n int) string { return ptytest.Tail(s, n) }
