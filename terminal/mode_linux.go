package terminal

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// state is a terminal's saved settings.
type state struct{ t unix.Termios }

// getState reads fd's settings; it fails when fd is not a terminal.
func getState(fd int) (*state, error) {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	return &state{*t}, nil
}

// makeRaw switches fd to byte-at-a-time input without echo or signals and
// discards input typed before the switch, so keys pressed before the
// prompt was drawn cannot answer it. Output processing is left on.
func makeRaw(fd int) (*state, error) {
	old, err := getState(fd)
	if err != nil {
		return nil, fmt.Errorf("reading the terminal settings: %w", err)
	}
	t := old.t
	t.Iflag &^= unix.ICRNL | unix.INLCR | unix.IGNCR | unix.IXON | unix.ISTRIP | unix.BRKINT | unix.PARMRK | unix.INPCK
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETSF, &t); err != nil {
		return nil, fmt.Errorf("switching the terminal to raw mode: %w", err)
	}
	return old, nil
}

// echoOff switches fd to line input without echo; signals stay on.
// Unlike makeRaw it keeps what was typed ahead: a line typed before the
// prompt answers it.
func echoOff(fd int) (*state, error) {
	old, err := getState(fd)
	if err != nil {
		return nil, fmt.Errorf("reading the terminal settings: %w", err)
	}
	t := old.t
	t.Lflag &^= unix.ECHO | unix.ECHONL
	t.Lflag |= unix.ICANON | unix.ISIG
	// TCSETS, not TCSETSF: flushing would drop a line typed ahead.
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return nil, fmt.Errorf("turning the terminal echo off: %w", err)
	}
	return old, nil
}

// restore puts fd's saved settings back.
func (s *state) restore(fd int) error {
	return unix.IoctlSetTermios(fd, unix.TCSETS, &s.t)
}

// size returns fd's rows and columns, or 24x80 when unknown.
func size(fd int) (rows, cols int) {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil || ws.Row == 0 || ws.Col == 0 {
		return 24, 80
	}
	return int(ws.Row), int(ws.Col)
}

// setNonblock puts fd into non-blocking mode so the Go runtime can poll it.
func setNonblock(fd int, on bool) error { return unix.SetNonblock(fd, on) }

// dupFD duplicates fd.
func dupFD(fd int) (int, error) { return unix.Dup(fd) }

// flushInput discards what was typed but not read yet.
func flushInput(fd int) error { return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) }
