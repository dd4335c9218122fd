package main

// The crash soak's operator: a pty is the daemon's console, and a
// goroutine reads the screen from its master side, types the soft key's
// passphrase at "PIN to" and answers every review by typing (or not) the
// approval code shown.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/signetbox/signet/internal/consolescreen"
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

// operator answers the console of one daemon instance.
type operator struct {
	t        testing.TB
	pty      *crashPTY
	pass     string
	denyRate float64
	rng      *rand.Rand
	// approved gets a value (without blocking) right after an approval is
	// typed, so the killer can aim at the signing that follows.
	approved chan<- struct{}

	mu                       sync.Mutex
	pins, approvals, denials int
	reviewed                 []string // request ids, in the order shown
	done                     chan struct{}
}

// run reads the screen until the pty closes, answering as it goes.
func (o *operator) run() {
	defer close(o.done)
	buf := make([]byte, 32<<10)
	var raw []byte
	answered := map[string]bool{}
	for {
		n, err := o.pty.master.Read(buf)
		raw = append(raw, buf[:n]...)
		if err != nil {
			return
		}
		text := consolescreen.Strip(raw)
		if consolescreen.AsksPIN(text) {
			o.typeKeys(o.pass + "\r")
			o.mu.Lock()
			o.pins++
			o.mu.Unlock()
			raw = raw[:0]
			continue
		}
		if o.review(text, answered) {
			raw = raw[:0]
		} else if len(raw) > 256<<10 {
			raw = append(raw[:0], raw[len(raw)-64<<10:]...)
		}
	}
}

// review answers the newest unanswered review in text, if it is complete.
func (o *operator) review(text []byte, answered map[string]bool) bool {
	r, ok := consolescreen.NextReview(text, answered)
	if !ok {
		return false
	}
	answered[r.ID] = true
	o.answer(r)
	return true
}

// answer types the approval (or a wrong code, to deny).
func (o *operator) answer(r consolescreen.Review) {
	id := r.ID
	deny := o.rng.Float64() < o.denyRate
	keys := r.Code + "\r"
	if deny {
		keys = "000-000\r"
	}
	if r.Batch > 0 && !deny {
		keys = strconv.Itoa(r.Batch) + "\r" + keys
	}
	o.typeKeys(keys)
	o.mu.Lock()
	o.reviewed = append(o.reviewed, id)
	if deny {
		o.denials++
	} else {
		o.approvals++
	}
	o.mu.Unlock()
	if !deny {
		select {
		case o.approved <- struct{}{}:
		default:
		}
	}
}

func (o *operator) typeKeys(s string) {
	// A write error means the daemon is gone; the next read ends run.
	_, _ = o.pty.master.WriteString(s)
}
