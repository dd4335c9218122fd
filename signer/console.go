package signer

// Rules for this file and the other console*.go files: the console
// denies unless the operator typed what the screen asked for; every error,
// a cancelled ctx and the deadline deny. Text from a request is shown only
// through Sanitize. A PIN is never echoed, logged or kept: the buffers that
// held it are wiped.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Console is the box's console prompt: a [Prompt] on a terminal. It shows
// one review at a time, full screen, and reads the operator's keys in raw
// mode. It is safe for concurrent use; requests queue for the terminal.
type Console struct {
	f    *os.File // the terminal, readable with deadlines
	own  bool     // Close closes f
	dup  bool     // f is a non-blocking duplicate NewConsole made
	fd   int
	opts ConsoleOptions

	turn chan struct{} // one Confirm or PIN at a time

	wmu    sync.Mutex // serialises writes to f and guards notice
	notice string
	active bool // a Confirm or PIN owns the screen

	dirty  atomic.Bool // a notice arrived; redraw
	closed atomic.Bool

	warning atomic.Pointer[string] // SetWarning's text

	// Between prompts (StartIdle): see console_idle.go.
	waiting atomic.Int32 // prompts waiting for the terminal
	idling  atomic.Bool  // the idle reader is reading
	idle    *idleState
}

// ConsoleOptions configures a [Console].
type ConsoleOptions struct {
	// Operator is recorded in every Decision (e.g. "console /dev/tty1");
	// default "console " + the terminal's name.
	Operator string
	// Timeout applies when a Review has no Deadline; default 2 minutes.
	Timeout time.Duration
	// PINTimeout bounds one PIN prompt; default 2 minutes.
	PINTimeout time.Duration
	// NoColor turns off colours and bold; warnings stay in capitals.
	NoColor bool
}

// Defaults for ConsoleOptions.
const (
	defaultConsoleTimeout = 2 * time.Minute
	defaultPINTimeout     = 2 * time.Minute
)

// Console errors.
var (
	ErrConsoleClosed  = errors.New("console: closed")
	ErrPINCanceled    = errors.New("console: the operator cancelled the PIN prompt")
	ErrPINEmpty       = errors.New("console: no PIN was typed")
	errReviewNoCode   = errors.New("console: the review has no approval code; refusing to show it")
	errConsoleNotATTY = errors.New("is not a terminal; set console to a tty such as /dev/tty1")
)

// OpenConsole opens the terminal at path (e.g. /dev/tty1 or /dev/tty)
// without making it the controlling terminal, and returns a Console on it.
// Close closes the terminal.
func OpenConsole(path string, opts ConsoleOptions) (*Console, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("opening console: %w", err)
	}
	c, err := NewConsole(f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	c.own = true
	return c, nil
}

// NewConsole returns a Console on tty, a terminal opened for reading and
// writing. Close does not close tty. If tty cannot be read with deadlines
// (os.Stdin usually cannot), NewConsole works on a non-blocking duplicate.
func NewConsole(tty *os.File, opts ConsoleOptions) (*Console, error) {
	// NOTE: tty.Fd() would put the file in blocking mode and break read
	// deadlines, so the descriptor is borrowed through SyscallConn.
	fd, err := fileFD(tty)
	if err != nil {
		return nil, fmt.Errorf("console %s: %w", tty.Name(), err)
	}
	if _, err := getTermState(fd); err != nil {
		return nil, fmt.Errorf("console %s %w (%w)", tty.Name(), errConsoleNotATTY, err)
	}
	if opts.Operator == "" {
		opts.Operator = "console " + tty.Name()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultConsoleTimeout
	}
	if opts.PINTimeout <= 0 {
		opts.PINTimeout = defaultPINTimeout
	}
	c := &Console{f: tty, fd: fd, opts: opts, turn: make(chan struct{}, 1)}
	if err := tty.SetReadDeadline(time.Time{}); err != nil {
		if err := c.pollableDup(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// pollableDup replaces c.f by a non-blocking duplicate the runtime polls,
// so reads can wait with deadlines and be interrupted.
func (c *Console) pollableDup() error {
	nfd, err := dupFD(c.fd)
	if err != nil {
		return fmt.Errorf("console %s: duplicating the terminal: %w", c.f.Name(), err)
	}
	if err := setNonblock(nfd, true); err != nil {
		return fmt.Errorf("console %s: setting non-blocking mode: %w", c.f.Name(), err)
	}
	f := os.NewFile(uintptr(nfd), c.f.Name())
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return fmt.Errorf("console %s cannot be polled: %w", c.f.Name(), err)
	}
	c.f, c.fd, c.own, c.dup = f, nfd, true, true
	return nil
}

// Close stops the console: a pending Confirm or PIN returns a denial.
// It closes the terminal if OpenConsole opened it.
func (c *Console) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.wake()
	c.stopIdle()
	if c.dup {
		// The duplicate shares its open file with the original (often the
		// shell's terminal): put blocking mode back for whoever reads next.
		setNonblock(c.fd, false)
	}
	if c.own {
		return c.f.Close()
	}
	return nil
}

// Notify shows msg on the console's status line (the bottom row). msg is
// sanitised; it must never be a secret.
func (c *Console) Notify(msg string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.notice = msg
	if c.active {
		c.dirty.Store(true)
		c.wake()
		return
	}
	c.writeNoticeLocked()
}

// noticeText is the styled status line, after a tag when SetWarning
// was called.
func (c *Console) noticeText(cols int) string {
	tag := ""
	if c.warningText() != "" {
		tag = "INSECURE CONSOLE"
	}
	switch {
	case c.notice == "":
		return c.style(styleWarn, tag)
	case tag != "":
		s, _ := sanitizeCap(c.notice, cols-2-len(tag))
		return c.style(styleWarn, tag) + " " + c.style(styleNotice, s)
	}
	s, _ := sanitizeCap(c.notice, cols-1)
	return c.style(styleNotice, s)
}

// SetWarning makes w (one line, sanitised) a permanent warning: a row
// on every review and a tag on the status line. Call it before the first
// prompt.
func (c *Console) SetWarning(w string) { c.warning.Store(&w) }

// warningText is SetWarning's text, or "".
func (c *Console) warningText() string {
	if w := c.warning.Load(); w != nil {
		return *w
	}
	return ""
}

// wake interrupts a read in progress so the prompt loop looks at its
// state again (cancelled, closed, new notice).
func (c *Console) wake() { c.f.SetReadDeadline(time.Now()) }

// acquire waits for the terminal, or for ctx. The idle reader, if it
// holds the terminal, gives it up at once.
func (c *Console) acquire(ctx context.Context) error {
	if c.closed.Load() {
		return ErrConsoleClosed
	}
	c.waiting.Add(1)
	defer c.waiting.Add(-1)
	if c.idling.Load() {
		c.wake()
	}
	select {
	case c.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Console) release() { <-c.turn }

// setActive marks whether a prompt owns the screen.
func (c *Console) setActive(on bool) {
	c.wmu.Lock()
	c.active = on
	c.wmu.Unlock()
}

// write sends s to the terminal in one write.
func (c *Console) write(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.f.WriteString(s)
	return err
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
