package terminal

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/ptytest"
	"golang.org/x/sys/unix"
)

// termios reads f's terminal settings without touching its blocking
// mode (os.File.Fd would).
func termios(t *testing.T, f *os.File) *unix.Termios {
	t.Helper()
	fd, err := fileFD(f)
	if err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir+"/missing", Options{}); err == nil || !strings.HasPrefix(err.Error(), "opening console: ") {
		t.Errorf("a missing path: got %v, want an opening error", err)
	}
	file := dir + "/file"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file, Options{}); !errors.Is(err, ErrNotATerminal) {
		t.Errorf("a regular file: got %v, want ErrNotATerminal", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := New(r, Options{}); !errors.Is(err, ErrNotATerminal) {
		t.Errorf("a pipe: got %v, want ErrNotATerminal", err)
	}
	if IsTerminal(r) {
		t.Error("IsTerminal says a pipe is a terminal")
	}
}

func TestOpenCloses(t *testing.T) {
	_, s := ptytest.Open(t, 24, 80)
	tty, err := Open(s.Name(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tty.Name() != s.Name() {
		t.Errorf("Name() = %q, want %q", tty.Name(), s.Name())
	}
	if err := tty.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tty.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if !tty.Closed() || tty.Stop() {
		t.Error("after Close the TTY is not stopped, or Stop stops it again")
	}
	if err := tty.Print("x"); err == nil {
		t.Error("Open's file is still open after Close")
	}
}

// A terminal the runtime cannot poll (like os.Stdin) is read through a
// non-blocking duplicate, which Close turns back to blocking; the
// original stays open.
func TestNewUnpollable(t *testing.T) {
	m, s := ptytest.Open(t, 24, 80)
	fd, err := unix.Open(s.Name(), unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	blocking := os.NewFile(uintptr(fd), s.Name())
	defer blocking.Close()
	tty, err := New(blocking, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !tty.dup || tty.fd == fd {
		t.Fatal("New did not duplicate an unpollable terminal")
	}
	restore, err := tty.Raw()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	ptytest.Record(t, m)
	if _, err := m.WriteString("k"); err != nil {
		t.Fatal(err)
	}
	keys, err := tty.Keys().Read(context.Background(), time.Now().Add(5*time.Second))
	if err != nil || len(keys) != 1 || keys[0].B != 'k' {
		t.Fatalf("read %v, %v; want the key k", keys, err)
	}
	if err := tty.Close(); err != nil {
		t.Fatal(err)
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil || flags&unix.O_NONBLOCK != 0 {
		t.Fatalf("after Close the terminal is non-blocking (flags %#x, %v)", flags, err)
	}
	if _, err := blocking.Write([]byte("still open")); err != nil {
		t.Errorf("Close closed the caller's file: %v", err)
	}
}

// Raw turns echo, line editing and signals off, drops what was typed
// before, and restore puts the settings back.
func TestRawAndRestore(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	before := termios(t, p.slave)
	p.typeKeys("typed ahead")
	time.Sleep(50 * time.Millisecond)
	restore, err := p.tty.Raw()
	if err != nil {
		t.Fatal(err)
	}
	raw := termios(t, p.slave)
	if raw.Lflag&(unix.ECHO|unix.ICANON|unix.ISIG|unix.IEXTEN) != 0 || raw.Iflag&(unix.ICRNL|unix.IXON) != 0 {
		t.Errorf("raw mode left lflag %#x, iflag %#x", raw.Lflag, raw.Iflag)
	}
	p.typeKeys("x")
	keys, err := p.tty.Keys().Read(context.Background(), time.Now().Add(5*time.Second))
	if err != nil || len(keys) != 1 || keys[0].B != 'x' {
		t.Fatalf("read %v, %v; want only the key typed after Raw", keys, err)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if after := termios(t, p.slave); after.Lflag != before.Lflag || after.Iflag != before.Iflag {
		t.Errorf("restore left lflag %#x iflag %#x, want %#x %#x", after.Lflag, after.Iflag, before.Lflag, before.Iflag)
	}
	if strings.Contains(p.all(), "x") {
		t.Errorf("a key typed in raw mode was echoed: %q", p.all())
	}
}

func TestFlushInput(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	restore, err := p.tty.Raw()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	p.typeKeys("old")
	time.Sleep(50 * time.Millisecond)
	if err := p.tty.FlushInput(); err != nil {
		t.Fatal(err)
	}
	p.typeKeys("n")
	keys, err := p.tty.Keys().Read(context.Background(), time.Now().Add(5*time.Second))
	if err != nil || len(keys) != 1 || keys[0].B != 'n' {
		t.Fatalf("read %v, %v; want only the key typed after the flush", keys, err)
	}
}

func TestSize(t *testing.T) {
	p := newPTY(t, 33, 101, Options{})
	if r, c := p.tty.Size(); r != 33 || c != 101 {
		t.Errorf("Size() = %dx%d, want 33x101", r, c)
	}
	ptytest.Resize(t, p.master, 0, 0)
	if r, c := p.tty.Size(); r != 24 || c != 80 {
		t.Errorf("an unsized terminal: Size() = %dx%d, want 24x80", r, c)
	}
}

// Reads end with ErrClosed on Stop, with ctx's error when it ends, and
// return nothing when the deadline passes.
func TestKeyReaderStops(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	restore, err := p.tty.Raw()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	kr := p.tty.Keys()
	if keys, err := kr.Read(context.Background(), time.Now().Add(20*time.Millisecond)); err != nil || len(keys) != 0 {
		t.Errorf("deadline: got %v, %v; want no keys", keys, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := kr.Read(ctx, time.Now().Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := kr.Read(context.Background(), time.Now().Add(time.Hour))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	p.tty.Stop()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("stopped: got %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stop did not end the read")
	}
}

// An arrow key split across reads is one key; a lone Esc is Esc once
// nothing follows it.
func TestKeyReaderSplitEscape(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	restore, err := p.tty.Raw()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	kr := p.tty.Keys()
	read := func() []Key {
		t.Helper()
		keys, err := kr.Read(context.Background(), time.Now().Add(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	p.typeKeys("\x1b")
	if keys := read(); len(keys) != 0 {
		t.Fatalf("a lone ESC decoded at once: %v", keys)
	}
	p.typeKeys("[A")
	if keys := read(); len(keys) != 1 || keys[0].Kind != KeyUp {
		t.Fatalf("ESC then [A: %v, want Up", keys)
	}
	p.typeKeys("\x1b")
	var got []Key
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); {
		got = read()
	}
	if len(got) != 1 || got[0].Kind != KeyDeny {
		t.Fatalf("a lone ESC: %v, want Esc (deny)", got)
	}
}

// A read error other than a deadline is returned.
func TestKeyReaderHangup(t *testing.T) {
	m, s := ptytest.Open(t, 24, 80)
	tty, err := New(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	restore, err := tty.Raw()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	m.Close()
	if _, err := tty.Keys().Read(context.Background(), time.Now().Add(5*time.Second)); err == nil {
		t.Fatal("a hung-up terminal read without error")
	}
}

func TestWrite(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	if n, err := p.tty.Write([]byte("bytes")); n != 5 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if err := p.tty.Print(" text"); err != nil {
		t.Fatal(err)
	}
	p.waitFor("bytes text")
}

// Read waits until the deadline SetReadDeadline set, then returns what
// was typed.
func TestReadDeadline(t *testing.T) {
	p := newPTY(t, 24, 80, Options{})
	restore, err := p.tty.Raw()
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	buf := make([]byte, 16)
	if err := p.tty.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if n, err := p.tty.Read(buf); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("nothing typed: %d, %v", n, err)
	}
	p.typeKeys("ab")
	p.tty.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := p.tty.Read(buf); err != nil || string(buf[:n]) != "ab" {
		t.Fatalf("typed ab: %q, %v", buf[:n], err)
	}
}
