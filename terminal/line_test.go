package terminal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/ptytest"
	"golang.org/x/sys/unix"
)

// ptyLine is a Line on a pty in its usual cooked mode.
type ptyLine struct {
	*ptytest.Screen
	line  *Line
	slave *os.File
}

func newPTYLine(t *testing.T) *ptyLine {
	m, s := ptytest.Open(t, 24, 80)
	return &ptyLine{Screen: ptytest.Record(t, m), line: &Line{in: s, out: s}, slave: s}
}

// lineResult is what a Line read returned.
type lineResult struct {
	text string
	err  error
}

// read runs f in the background.
func read(f func() (string, error)) <-chan lineResult {
	ch := make(chan lineResult, 1)
	go func() {
		s, err := f()
		ch <- lineResult{s, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan lineResult) lineResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("the read did not return")
	}
	return lineResult{}
}

func TestOpenLine(t *testing.T) {
	_, s := ptytest.Open(t, 24, 80)
	_, other := ptytest.Open(t, 24, 80)
	dir := t.TempDir()
	file, err := os.Create(dir + "/file")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()

	l, err := openLine(s.Name(), file, file)
	if err != nil || !l.own || l.in.Name() != s.Name() {
		t.Fatalf("the terminal: %+v, %v", l, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = openLine(dir+"/none", other, file)
	if err != nil || l.own || l.in != other || l.out != other {
		t.Fatalf("no terminal, stdin a terminal: %+v, %v", l, err)
	}
	l, err = openLine(dir+"/file", other, other)
	if err != nil || l.out != other {
		t.Fatalf("stderr a terminal: %+v, %v", l, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := openLine(dir+"/none", file, file); !errors.Is(err, ErrNoTerminal) {
		t.Fatalf("no terminal at all: got %v, want ErrNoTerminal", err)
	}
	if l, err := OpenLine(); err == nil {
		l.Close()
	} else if !errors.Is(err, ErrNoTerminal) {
		t.Errorf("OpenLine: %v", err)
	}
}

func TestReadLine(t *testing.T) {
	p := newPTYLine(t)
	ch := read(func() (string, error) { return p.line.ReadLine(context.Background(), "Name: ") })
	p.WaitFor("Name: ")
	p.Type("  Ada Lovelace \r")
	if r := wait(t, ch); r.err != nil || r.text != "Ada Lovelace" {
		t.Fatalf("got %q, %v", r.text, r.err)
	}
	p.WaitFor("Ada Lovelace") // typed in the open: echoed

	ch = read(func() (string, error) {
		return "", p.line.ConfirmWord(context.Background(), "Replace the key?", "replace")
	})
	p.WaitFor(`Type "replace" to go on: `)
	p.Type("replace\n")
	if r := wait(t, ch); r.err != nil {
		t.Fatalf("the word typed: %v", r.err)
	}
	ch = read(func() (string, error) {
		return "", p.line.ConfirmWord(context.Background(), "Replace the key?", "replace")
	})
	p.WaitFor(`to go on: `)
	p.Type("yes\n")
	if r := wait(t, ch); r.err == nil || r.err.Error() != `you did not type "replace"; nothing was changed` {
		t.Fatalf("another word: %v", r.err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.line.ReadLine(ctx, "x: "); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := p.line.ConfirmWord(ctx, "q", "w"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ConfirmWord: %v", err)
	}
	p.Type("\n") // ends the abandoned reads
}

// A secret is typed with echo off, the prompt is erased, and echo is back
// afterwards.
func TestLineReadSecret(t *testing.T) {
	p := newPTYLine(t)
	ch := read(func() (string, error) {
		b, err := p.line.ReadSecret(context.Background(), "Passphrase: ")
		return string(b), err
	})
	p.WaitFor("Passphrase: ")
	p.Type("s3cret words\r")
	if r := wait(t, ch); r.err != nil || r.text != "s3cret words" {
		t.Fatalf("got %q, %v", r.text, r.err)
	}
	p.WaitFor("\r\x1b[2K")
	if strings.Contains(p.All(), "s3cret") {
		t.Fatalf("the secret was echoed: %q", p.All())
	}
	tio, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
	if err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Fatalf("echo is still off afterwards (%v)", err)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := (&Line{in: r, out: w}).ReadSecret(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "reading the terminal settings") {
		t.Errorf("a pipe: %v", err)
	}
}

func TestReadNewSecret(t *testing.T) {
	p := newPTYLine(t)
	for _, tc := range []struct {
		typed   string
		want    string
		wantErr string
	}{
		{"1234\r1234\r", "1234", ""},
		{"1234\r1235\r", "", "the two PINs typed differ; run the command again"},
		{"\r\r", "", "the new PIN is empty; choose a non-empty PIN"},
	} {
		ch := read(func() (string, error) {
			b, err := p.line.ReadNewSecret(context.Background(), "PIN")
			return string(b), err
		})
		p.WaitFor("New PIN: ")
		p.Type(tc.typed[:strings.IndexByte(tc.typed, '\r')+1])
		p.WaitFor("Repeat the new PIN: ")
		p.Type(tc.typed[strings.IndexByte(tc.typed, '\r')+1:])
		r := wait(t, ch)
		if r.text != tc.want || (r.err == nil) != (tc.wantErr == "") || r.err != nil && r.err.Error() != tc.wantErr {
			t.Errorf("typed %q: got %q, %v; want %q, %q", tc.typed, r.text, r.err, tc.want, tc.wantErr)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := read(func() (string, error) {
		b, err := p.line.ReadNewSecret(ctx, "PIN")
		return string(b), err
	})
	p.WaitFor("New PIN: ")
	p.Type("1234\r")
	p.WaitFor("Repeat the new PIN: ")
	cancel()
	if r := wait(t, ch); !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled at the repeat: %v", r.err)
	}
	p.Type("\r")
	cancel()
	if _, err := p.line.ReadNewSecret(ctx, "PIN"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestShowOnce(t *testing.T) {
	p := newPTYLine(t)
	p.line.ShowOnce("Lockout secret", []byte{0xde, 0xad, 0xbe, 0xef, 0x01})
	p.WaitFor("Lockout secret (write this down now; it WILL NOT be shown again):")
	p.WaitFor("    dead beef 01")
	for _, tc := range []struct {
		in   []byte
		want string
	}{{nil, ""}, {[]byte{0xab}, "ab"}, {[]byte{1, 2, 3, 4, 5, 6}, "0102 0304 0506"}} {
		if got := string(GroupHex(tc.in)); got != tc.want {
			t.Errorf("GroupHex(%x) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n, err := p.line.Write([]byte("plain")); n != 5 || err != nil {
		t.Errorf("Write: %d, %v", n, err)
	}
	p.WaitFor("plain")
}

// Screen hands the terminal to a raw-mode screen, then gives it back in
// blocking mode with its settings for line reads.
func TestScreen(t *testing.T) {
	p := newPTYLine(t)
	before, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	errScreen := errors.New("screen failed")
	for _, want := range []error{nil, errScreen} {
		err := p.line.Screen(func(tty *TTY) error {
			restore, err := tty.Raw()
			if err != nil {
				return err
			}
			defer restore()
			return want
		})
		if err != want {
			t.Errorf("Screen returned %v, want %v", err, want)
		}
		flags, err := unix.FcntlInt(p.slave.Fd(), unix.F_GETFL, 0)
		if err != nil || flags&unix.O_NONBLOCK != 0 {
			t.Errorf("after Screen the terminal is non-blocking (%#x, %v)", flags, err)
		}
		after, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
		if err != nil || after.Lflag != before.Lflag {
			t.Errorf("after Screen lflag is %#x, want %#x (%v)", after.Lflag, before.Lflag, err)
		}
	}
	ch := read(func() (string, error) { return p.line.ReadLine(context.Background(), "after: ") })
	p.WaitFor("after: ")
	p.Type("ok\r")
	if r := wait(t, ch); r.err != nil || r.text != "ok" {
		t.Fatalf("a line read after Screen: %q, %v", r.text, r.err)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := (&Line{in: r, out: w}).Screen(func(*TTY) error { return nil }); !errors.Is(err, ErrNotATerminal) {
		t.Errorf("Screen on a pipe: %v", err)
	}
}

func TestReadLineLimits(t *testing.T) {
	if _, err := readLineSync(strings.NewReader(strings.Repeat("a", MaxLineLen+1) + "\n")); err == nil ||
		err.Error() != "the typed line is longer than 1024 bytes" {
		t.Errorf("a long line: %v", err)
	}
	if _, err := readLineSync(strings.NewReader("no newline")); err == nil || !strings.Contains(err.Error(), "the terminal closed before a line was typed") {
		t.Errorf("end of input: %v", err)
	}
	if got, err := readLineSync(strings.NewReader("crlf\r\nnext\n")); err != nil || string(got) != "crlf" {
		t.Errorf("CRLF: %q, %v", got, err)
	}

	// A read that ctx abandoned wipes its line when it arrives.
	r, w := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := readLine(ctx, r); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	w.Write([]byte("late\n"))
	w.Close()
}

// appendWiping wipes the array it outgrows.
func TestAppendWiping(t *testing.T) {
	buf := make([]byte, 0, 2)
	buf = appendWiping(buf, 'a')
	old := buf[:2:2]
	buf = appendWiping(buf, 'b')
	buf = appendWiping(buf, 'c')
	if string(buf) != "abc" {
		t.Fatalf("got %q", buf)
	}
	if !bytes.Equal(old, []byte{0, 0}) {
		t.Errorf("the outgrown array still holds %q", old)
	}
}
