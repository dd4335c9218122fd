package signer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
)

// idleState is the console between prompts (StartIdle).
type idleState struct {
	orig *termState    // the terminal's settings before StartIdle
	hint string        // what Ctrl-C shows
	done chan struct{} // closed when the idle reader returned
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
	old, err := makeRaw(c.fd)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	c.idle = &idleState{orig: old, hint: stopHint, done: make(chan struct{})}
	go c.idleLoop()
	return nil
}

// idleLoop holds the terminal whenever no prompt wants it.
func (c *Console) idleLoop() {
	defer close(c.idle.done)
	buf := make([]byte, 256)
	defer clear(buf)
	for !c.closed.Load() {
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
		c.f.SetReadDeadline(time.Now().Add(time.Second))
		if c.waiting.Load() > 0 || c.closed.Load() {
			return nil
		}
		n, err := c.f.Read(buf)
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
	rows, cols := termSize(c.fd)
	text, _ := sanitizeCap(msg, cols-1)
	c.write(fmt.Sprintf("\x1b7\x1b[%d;1H\x1b[2K%s\x1b8", rows-1, c.style(styleNotice, text)))
}

// stopIdle waits for the idle reader to stop and puts the terminal's
// settings back; c.closed is set and the reader woken.
func (c *Console) stopIdle() {
	if c.idle == nil {
		return
	}
	select {
	case <-c.idle.done:
	case <-time.After(5 * time.Second):
	}
	c.idle.orig.restore(c.fd)
}
