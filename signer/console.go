package signer

// Rules for this file and the other console*.go files: the console
// denies unless the operator typed what the screen asked for; every error,
// a cancelled ctx and the deadline deny. Text from a request is shown only
// through terminal.Sanitize. A PIN is never echoed, logged or kept: the
// buffers that held it are wiped. The terminal itself (raw mode, keys,
// drawing) is the terminal package's.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/signetbox/signet/terminal"
)

// Console is the box's console prompt: a [Prompt] on a terminal. It shows
// one review at a time, full screen, and reads the operator's keys in raw
// mode. It is safe for concurrent use; requests queue for the terminal.
type Console struct {
	tty  *terminal.TTY
	opts ConsoleOptions

	turn chan struct{} // one Confirm, PIN or QR screen at a time

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
	ErrConsoleClosed = terminal.ErrClosed
	ErrPINCanceled   = terminal.ErrSecretCanceled
	ErrPINEmpty      = terminal.ErrSecretEmpty
	errReviewNoCode  = errors.New("console: the review has no approval code; refusing to show it")
)

// OpenConsole opens the terminal at path (e.g. /dev/tty1 or /dev/tty)
// without making it the controlling terminal, and returns a Console on it.
// Close closes the terminal.
func OpenConsole(path string, opts ConsoleOptions) (*Console, error) {
	t, err := terminal.Open(path, terminal.Options{NoColor: opts.NoColor})
	if err != nil {
		return nil, err
	}
	return newConsole(t, opts), nil
}

// NewConsole returns a Console on tty, a terminal opened for reading and
// writing. Close does not close tty. If tty cannot be read with deadlines
// (os.Stdin usually cannot), NewConsole works on a non-blocking duplicate.
func NewConsole(tty *os.File, opts ConsoleOptions) (*Console, error) {
	t, err := terminal.New(tty, terminal.Options{NoColor: opts.NoColor})
	if err != nil {
		return nil, err
	}
	return newConsole(t, opts), nil
}

// newConsole fills in opts' defaults.
func newConsole(t *terminal.TTY, opts ConsoleOptions) *Console {
	if opts.Operator == "" {
		opts.Operator = "console " + t.Name()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultConsoleTimeout
	}
	if opts.PINTimeout <= 0 {
		opts.PINTimeout = defaultPINTimeout
	}
	return &Console{tty: t, opts: opts, turn: make(chan struct{}, 1)}
}

// TTY is the terminal the console runs on, for claiming it
// ([terminal.TTY.Claimed]) before the first prompt.
func (c *Console) TTY() *terminal.TTY { return c.tty }

// Close stops the console: a pending Confirm or PIN returns a denial.
// It puts the terminal's settings back and closes it if OpenConsole
// opened it.
func (c *Console) Close() error {
	if !c.tty.Stop() {
		return nil
	}
	c.stopIdle()
	return c.tty.Close()
}

// Notify shows msg on the console's status line (the bottom row). msg is
// sanitised; it must never be a secret.
func (c *Console) Notify(msg string) { c.tty.Notify(msg) }

// SetWarning makes w (one line, sanitised) a permanent warning: a row
// on every review and a tag on the status line. Call it before the first
// prompt.
func (c *Console) SetWarning(w string) {
	c.warning.Store(&w)
	c.tty.SetTag("INSECURE CONSOLE")
}

// warningText is SetWarning's text, or "".
func (c *Console) warningText() string {
	if w := c.warning.Load(); w != nil {
		return *w
	}
	return ""
}

// acquire waits for the terminal, or for ctx. The idle reader, if it
// holds the terminal, gives it up at once.
func (c *Console) acquire(ctx context.Context) error {
	if c.tty.Closed() {
		return ErrConsoleClosed
	}
	c.waiting.Add(1)
	defer c.waiting.Add(-1)
	if c.idling.Load() {
		c.tty.Wake()
	}
	select {
	case c.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Console) release() { <-c.turn }

// WithTerminal runs fn with the terminal once no prompt holds it, for a
// screen of the caller's own, such as a QR code (qrscreen.Via). fn must
// leave the terminal as it found it; Close stops it ([terminal.ErrClosed]).
func (c *Console) WithTerminal(ctx context.Context, fn func(*terminal.TTY) error) error {
	if err := c.acquire(ctx); err != nil {
		return fmt.Errorf("console: waiting for the terminal: %w", err)
	}
	defer c.release()
	return fn(c.tty)
}
