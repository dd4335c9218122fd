package main

// Rules for this file: secrets are typed on the console, never read from
// flags, the environment or a pipe. Echo is off while a secret is typed,
// the prompt line is erased afterwards, and every buffer that held a
// secret is wiped. Secrets signet shows (the TPM lockout secret, a PIV
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
	"github.com/signetbox/signet/signer"
	"golang.org/x/sys/unix"
)

// maxSecretLen bounds one typed line; PINs and passphrases are far shorter.
const maxSecretLen = 1024

// errNoTerminal means no terminal was found to type a secret on.
var errNoTerminal = errors.New("a PIN must be typed on a terminal; run this on the box's console")

// console is the terminal a person types secrets on and reads secrets from.
type console struct {
	in, out *os.File
	own     bool // in (== out) is /dev/tty, opened by openConsole
}

// openConsole opens the controlling terminal, /dev/tty. When the process
// has none but stdin is a terminal, it uses stdin (and stderr, if that is
// the terminal too). Pipes and files are refused with errNoTerminal.
func openConsole() (*console, error) {
	if f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err == nil {
		if isTerminal(f) {
			return &console{in: f, out: f, own: true}, nil
		}
		f.Close()
	}
	if !isTerminal(os.Stdin) {
		return nil, withHint(errNoTerminal, "secrets are never read from flags, the environment or a pipe")
	}
	out := os.Stdin
	if isTerminal(os.Stderr) {
		out = os.Stderr
	}
	return &console{in: os.Stdin, out: out}, nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// Close closes /dev/tty if openConsole opened it.
func (c *console) Close() error {
	if c.own {
		return c.in.Close()
	}
	return nil
}

// Write shows p on the terminal (ceremony.Terminal).
func (c *console) Write(p []byte) (int, error) { return c.out.Write(p) }

// ReadLine shows prompt and reads one line typed with echo on, trimmed
// (ceremony.Terminal).
func (c *console) ReadLine(ctx context.Context, prompt string) (string, error) {
	c.printf("%s", prompt)
	line, err := readLine(ctx, c.in)
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(line)), nil
}

// ReadSecret is readSecret for ceremony.Terminal.
func (c *console) ReadSecret(ctx context.Context, prompt string) ([]byte, error) {
	return c.readSecret(ctx, prompt)
}

// ShowQR shows text full screen as a QR code until Enter is pressed
// (ceremony.Terminal).
func (c *console) ShowQR(ctx context.Context, title string, text []byte) error {
	return showQR(ctx, c.in, title, text)
}

// showQR draws the QR screen with the daemon's console on tty.
func showQR(ctx context.Context, tty *os.File, title string, text []byte) error {
	sc, err := signer.NewConsole(tty, signer.ConsoleOptions{})
	if err != nil {
		return err
	}
	err = sc.ShowQR(ctx, title, string(text))
	sc.Close()
	// The console reads tty with deadlines (Close sets one in the past to
	// wake a reader), or a non-blocking duplicate that shares tty's mode:
	// the line prompts that follow want plain blocking reads.
	tty.SetReadDeadline(time.Time{})
	if nbErr := unix.SetNonblock(int(tty.Fd()), false); err == nil {
		err = nbErr
	}
	return err
}

// printf writes a message to the terminal.
func (c *console) printf(format string, args ...any) {
	fmt.Fprintf(c.out, format, args...)
}

// readSecret shows prompt, reads one line with echo off and erases the
// prompt. The caller wipes the result. An empty line is returned as an
// empty, non-nil slice; end of input is an error.
func (c *console) readSecret(ctx context.Context, prompt string) ([]byte, error) {
	fd := int(c.in.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, fmt.Errorf("reading the terminal settings: %w", err)
	}
	noEcho := *old
	noEcho.Lflag &^= unix.ECHO | unix.ECHONL
	noEcho.Lflag |= unix.ICANON | unix.ISIG
	// TCSETS, not TCSETSF: flushing would drop a line typed ahead.
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &noEcho); err != nil {
		return nil, fmt.Errorf("turning the terminal echo off: %w", err)
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
	c.printf("%s", prompt)
	defer c.printf("\r\x1b[2K") // erase the prompt line
	return readLine(ctx, c.in)
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
			if len(buf) == maxSecretLen {
				hsm.Wipe(buf)
				return nil, fmt.Errorf("the typed line is longer than %d bytes", maxSecretLen)
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

// readNewSecret reads a new secret twice and returns it when both match.
// what names it, e.g. "PIN".
func (c *console) readNewSecret(ctx context.Context, what string) ([]byte, error) {
	first, err := c.readSecret(ctx, fmt.Sprintf("New %s: ", what))
	if err != nil {
		return nil, err
	}
	second, err := c.readSecret(ctx, fmt.Sprintf("Repeat the new %s: ", what))
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

// confirmWord asks the person to type word and fails unless they did.
func (c *console) confirmWord(ctx context.Context, question, word string) error {
	c.printf("%s\nType %q to go on: ", question, word)
	line, err := readLine(ctx, c.in)
	if err != nil {
		return err
	}
	if string(bytes.TrimSpace(line)) != word {
		return fmt.Errorf("you did not type %q; nothing was changed", word)
	}
	return nil
}

// showOnce writes a secret to the terminal only, with the warning that it
// is not kept. Nothing is written to stdout or stderr.
func (c *console) showOnce(what string, secret []byte) {
	text := groupHex(secret)
	defer hsm.Wipe(text)
	c.printf("\n%s (write this down now; it WILL NOT be shown again):\n\n    ", what)
	c.out.Write(text)
	c.printf("\n\n")
}

// groupHex returns b in lowercase hex, in groups of four digits separated
// by spaces, so a person can copy it by hand.
func groupHex(b []byte) []byte {
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
