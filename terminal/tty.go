package terminal

// Rules for this file and the other TTY files: the terminal is in raw
// mode without echo whenever a prompt reads it, so nothing typed is shown
// unless the prompt shows it; what was typed before a prompt was drawn is
// discarded; and every buffer that held typed bytes is wiped.

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// TTY is a terminal read byte by byte in raw mode, with read deadlines so
// a prompt can be cancelled or interrupted. Its bottom row is a status
// line ([TTY.Notify]). Writes are serialised; reads belong to one prompt
// at a time, which the caller arranges.
type TTY struct {
	f       *os.File // the terminal, readable with deadlines
	name    string
	own     bool // Close closes f
	dup     bool // f is a non-blocking duplicate New made
	fd      int
	noColor bool

	wmu    sync.Mutex // serialises writes to f and guards notice, tag, active
	notice string
	tag    string
	active bool // a screen owns the terminal: notices wait for its redraw

	dirty     atomic.Bool // a notice arrived while active; redraw
	closed    atomic.Bool
	closeOnce sync.Once
}

// Options configures a [TTY].
type Options struct {
	// NoColor turns off colours and bold; warnings stay in capitals.
	NoColor bool
}

// Errors of the TTY.
var (
	// ErrClosed is returned by reads on a closed TTY.
	ErrClosed = errors.New("console: closed")
	// ErrNotATerminal is wrapped when a file is not a terminal.
	ErrNotATerminal = errors.New("is not a terminal; set console to a tty such as /dev/tty1")
)

// Open opens the terminal at path (e.g. /dev/tty1 or /dev/tty) without
// making it the controlling terminal. Close closes it.
func Open(path string, opts Options) (*TTY, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("opening console: %w", err)
	}
	t, err := New(f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.own = true
	return t, nil
}

// New returns a TTY on f, a terminal opened for reading and writing.
// Close does not close f. If f cannot be read with deadlines (os.Stdin
// usually cannot), New works on a non-blocking duplicate, and Close puts
// blocking mode back.
func New(f *os.File, opts Options) (*TTY, error) {
	// NOTE: f.Fd() would put the file in blocking mode and break read
	// deadlines, so the descriptor is borrowed through SyscallConn.
	fd, err := fileFD(f)
	if err != nil {
		return nil, fmt.Errorf("console %s: %w", f.Name(), err)
	}
	if _, err := getState(fd); err != nil {
		return nil, fmt.Errorf("console %s %w (%w)", f.Name(), ErrNotATerminal, err)
	}
	t := &TTY{f: f, name: f.Name(), fd: fd, noColor: opts.NoColor}
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		if err := t.pollableDup(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// pollableDup replaces t.f by a non-blocking duplicate the runtime polls,
// so reads can wait with deadlines and be interrupted.
func (t *TTY) pollableDup() error {
	nfd, err := dupFD(t.fd)
	if err != nil {
		return fmt.Errorf("console %s: duplicating the terminal: %w", t.name, err)
	}
	if err := setNonblock(nfd, true); err != nil {
		closeFD(nfd)
		return fmt.Errorf("console %s: setting non-blocking mode: %w", t.name, err)
	}
	f := os.NewFile(uintptr(nfd), t.name)
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		setNonblock(nfd, false)
		f.Close()
		return fmt.Errorf("console %s cannot be polled: %w", t.name, err)
	}
	t.f, t.fd, t.own, t.dup = f, nfd, true, true
	return nil
}

// Name is the terminal's file name, such as /dev/tty1.
func (t *TTY) Name() string { return t.name }

// Stop makes reads in progress and later ones fail with [ErrClosed],
// without closing the terminal. It reports whether this call stopped it.
func (t *TTY) Stop() bool {
	if t.closed.Swap(true) {
		return false
	}
	t.Wake()
	return true
}

// Closed reports whether Stop or Close was called.
func (t *TTY) Closed() bool { return t.closed.Load() }

// Close stops the TTY ([TTY.Stop]) and closes the terminal if Open opened
// it. A duplicate New made is put back in blocking mode first: it shares
// its open file with the original (often the shell's terminal), whose
// next reader expects blocking reads.
func (t *TTY) Close() error {
	t.Stop()
	var err error
	t.closeOnce.Do(func() {
		if t.dup {
			setNonblock(t.fd, false)
		}
		if t.own {
			err = t.f.Close()
		}
	})
	return err
}

// Wake interrupts a read in progress, so its caller looks at its state
// again (cancelled, closed, a new notice).
func (t *TTY) Wake() { t.f.SetReadDeadline(time.Now()) }

// SetReadDeadline sets when a Read gives up with os.ErrDeadlineExceeded.
func (t *TTY) SetReadDeadline(d time.Time) error { return t.f.SetReadDeadline(d) }

// Read reads what was typed, up to len(p) bytes. The caller wipes p.
func (t *TTY) Read(p []byte) (int, error) { return t.f.Read(p) }

// Raw switches the terminal to raw mode (no echo, no signals, byte by
// byte) and discards what was typed before; restore puts the previous
// settings back.
func (t *TTY) Raw() (restore func() error, err error) {
	old, err := makeRaw(t.fd)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return func() error { return old.restore(t.fd) }, nil
}

// FlushInput discards what was typed but not read yet.
func (t *TTY) FlushInput() error { return flushInput(t.fd) }

// Size returns the terminal's rows and columns, or 24x80 when unknown.
func (t *TTY) Size() (rows, cols int) { return size(t.fd) }

// Print sends s to the terminal in one write.
func (t *TTY) Print(s string) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_, err := t.f.WriteString(s)
	return err
}

// Write sends p to the terminal in one write.
func (t *TTY) Write(p []byte) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	return t.f.Write(p)
}

// fileFD returns f's descriptor without changing its blocking mode.
func fileFD(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1, err
	}
	return fd, nil
}

// closeFD closes a descriptor no os.File owns yet.
func closeFD(fd int) { syscall.Close(fd) }
