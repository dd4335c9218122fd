package terminal

import (
	"os"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/ptytest"
)

// ptyTTY is a TTY on a pty plus everything written to the screen.
type ptyTTY struct {
	t      testing.TB
	master *os.File
	slave  *os.File
	tty    *TTY
	scr    *ptytest.Screen
}

// newPTY starts a TTY on a fresh rows x cols pty.
func newPTY(t testing.TB, rows, cols int, opts Options) *ptyTTY {
	m, s := ptytest.Open(t, rows, cols)
	tty, err := New(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return &ptyTTY{t: t, master: m, slave: s, tty: tty, scr: ptytest.Record(t, m)}
}

func (p *ptyTTY) all() string    { return p.scr.All() }
func (p *ptyTTY) output() string { return p.scr.Output() }

func (p *ptyTTY) waitFor(s string) {
	p.t.Helper()
	p.scr.WaitFor(s)
}

func (p *ptyTTY) typeKeys(keys string) {
	p.t.Helper()
	p.scr.Type(keys)
}

// waitErr waits for a call started in the background.
func waitErr(t *testing.T, p *ptyTTY, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("the call did not return; screen:\n%q", ptytest.Tail(p.output(), 2000))
	}
	return nil
}
