package signer

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"time"

	"github.com/signetbox/signet/terminal"
)

// idleState is the console between prompts (StartIdle).
type idleState struct {
	restore func() error  // puts the terminal's settings before StartIdle back
	hint    string        // what Ctrl-C shows
	done    chan struct{} // closed when the idle reader returned
}

// Messages the idle console shows on the row above the status line.
const idleDiscarded = "Nothing is asked now: what you typed was discarded, and never shown."

// StartIdle keeps the console quiet between prompts. The terminal stays
// in raw mode without echo, so nothing typed is ever shown and Ctrl-C is
// a key rather than a signal; a reader takes whatever is typed while no
// prompt is open, wipes it (it may be a PIN typed too late) and says so.
// Ctrl-C, Ctrl-\ and Ctrl-Z show stopHint, which should say how to stop
// the service. Close puts the terminal's settings back.
func (c *Console) StartIdle(stopHint string) error {
	restore, err := c.tty.Raw()
	if err != nil {
		return err
	}
	c.idle = &idleState{restore: restore, hint: stopHint, done: make(chan struct{})}
	go c.idleLoop()
	return nil
}

// idleLoop holds the terminal whenever no prompt wants it.
func (c *Console) idleLoop() {
	defer close(c.idle.done)
	buf := make([]byte, 256)
	defer clear(buf)
	for !c.tty.Closed() {
		c.turn <- struct{}{}
		err := c.idleRead(buf)
		<-c.turn
		switch {
		case err != nil:
			time.Sleep(time.Second) // hung up: do not spin
		case c.waiting.Load() > 0:
			runtime.Gosched() // let the prompt take the terminal
		}
	}
}

// idleRead discards typed keys until a prompt wants the terminal, the
// console closes or reading fails.
func (c *Console) idleRead(buf []byte) error {
	c.idling.Store(true)
	defer c.idling.Store(false)
	for {
		// NOTE(console): acquire adds to waiting, then wakes us if
		// idling is set; we set the deadline, then look at waiting. One
		// of the two always sees the other.
		c.tty.SetReadDeadline(time.Now().Add(time.Second))
		if c.waiting.Load() > 0 || c.tty.Closed() {
			return nil
		}
		n, err := c.tty.Read(buf)
		if n > 0 {
			c.idleKeys(buf[:n])
			clear(buf[:n])
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
	}
}

// idleKeys answers keys typed while nothing is asked.
func (c *Console) idleKeys(b []byte) {
	msg := idleDiscarded
	if bytes.ContainsAny(b, "\x03\x1c\x1a") { // Ctrl-C, Ctrl-\, Ctrl-Z
		msg = c.idle.hint
	}
	c.tty.ShowAbove(terminal.StyleNotice, msg)
}

// stopIdle waits for the idle reader to stop and puts the terminal's
// settings back; the terminal is stopped and the reader woken.
func (c *Console) stopIdle() {
	if c.idle == nil {
		return
	}
	select {
	case <-c.idle.done:
	case <-time.After(5 * time.Second):
	}
	c.idle.restore()
}
