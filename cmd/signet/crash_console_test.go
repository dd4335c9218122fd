package main

// The crash soak's console: a pty is the daemon's console, and an
// operator (testrig.Operator) reads the screen from its master side,
// types the soft key's passphrase at "PIN to" and answers every review by
// typing (or not) the approval code shown.

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// crashPTY is one pseudo-terminal: the daemon opens slavePath, the test
// holds master (and slave, so the master never reads EIO before the daemon
// opened it).
type crashPTY struct {
	master, slave *os.File
	slavePath     string
}

// openCrashPTY opens a fresh 50x150 pty pair.
func openCrashPTY() (*crashPTY, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("opening /dev/ptmx: %w", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		return nil, fmt.Errorf("unlocking the pty: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("reading the pty number: %w", err)
	}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: 150}); err != nil {
		m.Close()
		return nil, fmt.Errorf("sizing the pty: %w", err)
	}
	p := &crashPTY{master: m, slavePath: "/dev/pts/" + strconv.Itoa(n)}
	if p.slave, err = os.OpenFile(p.slavePath, os.O_RDWR|syscall.O_NOCTTY, 0); err != nil {
		m.Close()
		return nil, fmt.Errorf("opening %s: %w", p.slavePath, err)
	}
	return p, nil
}

func (p *crashPTY) close() {
	p.slave.Close()
	p.master.Close()
}
