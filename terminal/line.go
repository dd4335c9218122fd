package terminal

// Rules for this file: secrets are typed on the terminal, never read from
// flags, the environment or a pipe. Echo is off while a secret is typed,
// the prompt line is erased afterwards, and every buffer that held a
// secret is wiped. Secrets shown (the TPM lockout secret, a PIV
// management key) go to the terminal only, never to stdout or stderr.

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/signetbox/signet/hsm"
)

// MaxLineLen bounds one typed line; PINs and passphrases are far shorter.
const MaxLineLen = 1024

// ErrNoTerminal means no terminal was found to type a secret on.
var ErrNoTerminal = errors.New("a PIN must be typed on a terminal; run this on the box's console")

// Line is the terminal a person runs a command on: it reads whole lines
// with the kernel's line editing, with echo off for secrets, and shows
// secrets on the terminal only.
type Line struct {
	in, out *os.File
	own     bool // in (== out) is /dev/tty, opened by OpenLine
}

// OpenLine opens the controlling terminal, /dev/tty. When the process has
// none but stdin is a terminal, it uses stdin (and stderr, if that is the
// terminal too). Pipes and files are refused with [ErrNoTerminal].
func OpenLine() (*Line, error) {
	return openLine("/dev/tty", os.Stdin, os.Stderr)
}

// openLine is OpenLine with the files to try.
func openLine(tty string, stdin, stderr *os.File) (*Line, error) {
	if f, err := os.OpenFile(tty, os.O_RDWR, 0); err == nil {
		if IsTerminal(f) {
			return &Line{in: f, out: f, own: true}, nil
		}
		f.Close()
	}
	if !IsTerminal(stdin) {
		return nil, ErrNoTerminal
	}
	out := stdin
	if IsTerminal(stderr) {
		out = stderr
	}
	return &Line{in: stdin, out: out}, nil
}

// IsTerminal reports whether f is a terminal. Like f.Fd, it puts f in
// blocking mode, which line reads want.
func IsTerminal(f *os.File) bool {
	_, err := getState(int(f.Fd()))
	return err == nil
}

// Close closes /dev/tty if OpenLine opened it.
func (c *Line) Close() error {
	if c.own {
		return c.in.Close()
	}
	return nil
}

// Write shows p on the terminal.
func (c *Line) Write(p []byte) (int, error) { return c.out.Write(p) }

// Printf writes a message to the terminal.
func (c *Line) Printf(format string, args ...any) {
	fmt.Fprintf(c.out, format, args...)
}

// ReadLine shows prompt and reads one line typed with echo on, without
// its newline and surrounding space. It fails when ctx ends or the
// terminal closes.
func (c *Line) ReadLine(ctx context.Context, prompt string) (string, error) {
	c.Printf("%s", prompt)
	line, err := readLine(ctx, c.in)
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(line)), nil
}

// ReadSecret shows prompt, reads one line with echo off and erases the
// prompt. The caller wipes the result. An empty line is returned as an
// empty, non-nil slice; ctx ending or end of input is an error.
func (c *Line) ReadSecret(ctx context.Context, prompt string) ([]byte, error) {
	fd := int(c.in.Fd())
	old, err := echoOff(fd)
	if err != nil {
		return nil, err
	}
	defer old.restore(fd)
	c.Printf("%s", prompt)
	defer c.Printf("\r\x1b[2K") // erase the prompt line
	return readLine(ctx, c.in)
}

// ReadNewSecret reads a new secret twice and returns it when both match
// and it is not empty; the caller wipes it. what names it, e.g. "PIN".
func (c *Line) ReadNewSecret(ctx context.Context, what string) ([]byte, error) {
	first, err := c.ReadSecret(ctx, fmt.Sprintf("New %s: ", what))
	if err != nil {
		return nil, err
	}
	second, err := c.ReadSecret(ctx, fmt.Sprintf("Repeat the new %s: ", what))
	defer hsm.Wipe(second)
	if err != nil {
		hsm.Wipe(first)
		return nil, err
	}
	if subtle.ConstantTimeCompare(first, second) != 1 {
		hsm.Wipe(first)
		return nil, fmt.Errorf("the two %ss typed differ; run the command again", what)
	}
	if len(first) == 0 {
		return nil, fmt.Errorf("the new %s is empty; choose a non-empty %s", what, what)
	}
	return first, nil
}

// ConfirmWord asks the person to type word and fails unless they did.
func (c *Line) ConfirmWord(ctx context.Context, question, word string) error {
	line, err := c.ReadLine(ctx, fmt.Sprintf("%s\nType %q to go on: ", question, word))
	if err != nil {
		return err
	}
	if line != word {
		return fmt.Errorf("you did not type %q; nothing was changed", word)
	}
	return nil
}

// ShowOnce writes a secret to the terminal only, in groups of four hex
// digits, with the warning that it is not kept. Nothing is written to
// stdout or stderr.
func (c *Line) ShowOnce(what string, secret []byte) {
	text := GroupHex(secret)
	defer hsm.Wipe(text)
	c.Printf("\n%s (write this down now; it WILL NOT be shown again):\n\n    ", what)
	c.out.Write(text)
	c.Printf("\n\n")
}

// GroupHex returns b in lowercase hex, in groups of four digits separated
// by spaces, so a person can copy it by hand. The caller wipes it.
func GroupHex(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, len(b)*2+len(b)/2)
	for i, c := range b {
		if i > 0 && i%2 == 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[c>>4], digits[c&0xf])
	}
	return out
}

// Screen runs fn on a [TTY] over the line's terminal, for a full-screen
// display in raw mode, then gives the terminal back for line reads: its
// settings, and blocking reads without a deadline.
func (c *Line) Screen(fn func(*TTY) error) error {
	t, err := New(c.in, Options{})
	if err != nil {
		return err
	}
	err = fn(t)
	t.Close()
	// The TTY reads c.in with deadlines (Close sets one in the past to
	// wake a reader), or a non-blocking duplicate that shares c.in's
	// mode: the line prompts that follow want plain blocking reads.
	c.in.SetReadDeadline(time.Time{})
	if nbErr := setNonblock(int(c.in.Fd()), false); err == nil {
		err = nbErr
	}
	return err
}

// readLine reads up to a newline in a goroutine so that ctx can end the
// wait; a read that ctx abandoned wipes its buffer when it returns.
func readLine(ctx context.Context, r io.Reader) ([]byte, error) {
	type result struct {
		line []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readLineSync(r)
		done <- result{line, err}
	}()
	select {
	case res := <-done:
		return res.line, res.err
	case <-ctx.Done():
		go func() { hsm.Wipe((<-done).line) }()
		return nil, ctx.Err()
	}
}

// readLineSync reads bytes up to '\n' without reading past it, so the next
// prompt gets the next typed line.
func readLineSync(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 64)
	var b [1]byte
	for {
		n, err := r.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				return bytes.TrimSuffix(buf, []byte{'\r'}), nil
			}
			if len(buf) == MaxLineLen {
				hsm.Wipe(buf)
				return nil, fmt.Errorf("the typed line is longer than %d bytes", MaxLineLen)
			}
			buf = appendWiping(buf, b[0])
			continue
		}
		if err != nil || n == 0 {
			hsm.Wipe(buf)
			return nil, errors.New("the terminal closed before a line was typed; type the secret and press Enter")
		}
	}
}

// appendWiping appends c to buf, wiping the old backing array when append
// has to move the bytes.
func appendWiping(buf []byte, c byte) []byte {
	if len(buf) < cap(buf) {
		return append(buf, c)
	}
	next := append(make([]byte, 0, 2*cap(buf)+1), buf...)
	hsm.Wipe(buf[:cap(buf)])
	return append(next, c)
}
