package vpiv

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// atr is a YubiKey 5 NFC answer-to-reset (T=1), so pcscd and piv-go treat
// the card like one.
var atr = []byte{
	0x3b, 0xfd, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15, 0x80, 0x73, 0xc0,
	0x21, 0xc0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79, 0x40,
}

// vpcd control messages (one byte). Do NOT reorder.
const (
	ctlPowerOff = 0x00
	ctlPowerOn  = 0x01
	ctlReset    = 0x02
	ctlGetATR   = 0x04
)

// removeSettle is how long Remove waits after dropping the connection:
// pcscd polls card presence about every 400 ms, and a card swapped inside
// one poll is reached as the stale card.
const removeSettle = 1200 * time.Millisecond

// link is one vpcd connection, that is one insertion of the card.
type link struct {
	conn  net.Conn
	polls chan struct{} // one value per ATR request
	done  chan struct{} // closed when the serve loop ends
}

var linkMu sync.Mutex // guards Card.link

// Insert dials vpcd and serves the card until Remove or Unplug. It returns
// after three ATR requests (power-up, then presence polls about 400 ms
// apart), so a following piv.Open reaches this card and not a stale one.
// The first Insert in a process waits for other processes' cards to go
// (see holdMachineLock); ctx's deadline bounds what follows, not that
// wait, which can last as long as another test binary runs.
func (c *Card) Insert(ctx context.Context) error {
	budget, bounded := ctxBudget(ctx)
	if err := holdMachineLock(); err != nil {
		return err
	}
	if bounded {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), budget)
		defer cancel()
	}
	linkMu.Lock()
	if c.link != nil {
		linkMu.Unlock()
		return errors.New("vpiv: card already inserted")
	}
	conn, err := dialVPCD(ctx, c.opts.Addr)
	if err != nil {
		linkMu.Unlock()
		return fmt.Errorf("vpiv: connecting to vpcd at %s (is pcscd running with vsmartcard-vpcd?): %w", c.opts.Addr, err)
	}
	l := &link{conn: conn, polls: make(chan struct{}, 64), done: make(chan struct{})}
	c.link = l
	linkMu.Unlock()
	go c.serve(l)
	for seen := 0; seen < c.insertAfterPolls; {
		select {
		case <-l.polls:
			seen++
		case <-l.done:
			return errors.New("vpiv: vpcd closed the connection during insertion")
		case <-ctx.Done():
			c.Remove()
			return fmt.Errorf("vpiv: pcscd polled the card %d times, want %d: %w", seen, c.insertAfterPolls, ctx.Err())
		}
	}
	return nil
}

// ctxBudget is the time left before ctx's deadline, if it has one.
func ctxBudget(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Deadline()
	return time.Until(d), ok
}

// dialVPCD dials vpcd, retrying while pcscd is still loading the driver.
// vpcd listens with a backlog of 0 and accepts only when pcscd polls the
// reader, so on a loaded machine a connection attempt can sit unanswered:
// each attempt gets a short timeout and a fresh SYN rather than the
// kernel's growing retransmission delays.
func dialVPCD(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	attempts := 0
	for {
		attempts++
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return conn, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%d attempts, the last: %w", attempts, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Unplug drops the vpcd connection at once, as pulling the card out does.
// It may be called from a touch hook. Call Remove afterwards to wait until
// pcscd has noticed.
func (c *Card) Unplug() {
	linkMu.Lock()
	defer linkMu.Unlock()
	if c.link != nil {
		c.link.conn.Close()
	}
}

// Remove unplugs the card and returns once pcscd has had time to poll the
// empty reader. Removing a card that is not inserted does nothing.
func (c *Card) Remove() {
	linkMu.Lock()
	l := c.link
	c.link = nil
	linkMu.Unlock()
	if l == nil {
		return
	}
	l.conn.Close()
	<-l.done
	time.Sleep(removeSettle)
}

func (c *Card) serve(l *link) {
	defer close(l.done)
	defer l.conn.Close()
	for {
		msg, err := readMsg(l.conn)
		if err != nil {
			return
		}
		if len(msg) != 1 {
			resp, err := c.transmit(msg)
			if err != nil || writeMsg(l.conn, resp) != nil {
				return
			}
			continue
		}
		switch msg[0] {
		case ctlPowerOff, ctlPowerOn, ctlReset:
			c.powerCycle()
		case ctlGetATR:
			if writeMsg(l.conn, atr) != nil {
				return
			}
			select {
			case l.polls <- struct{}{}:
			default:
			}
		}
	}
}

// readMsg reads one vpcd message: a 2-byte big-endian length, then data.
func readMsg(conn net.Conn) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return nil, err
	}
	// vpcd writes header and payload in two writes; without an immediate
	// ACK, Nagle on its side and delayed ACK on ours stall every APDU by
	// about 40 ms.
	quickAck(conn)
	msg := make([]byte, binary.BigEndian.Uint16(hdr[:]))
	if _, err := io.ReadFull(conn, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

func writeMsg(conn net.Conn, msg []byte) error {
	buf := make([]byte, 2+len(msg))
	binary.BigEndian.PutUint16(buf, uint16(len(msg)))
	copy(buf[2:], msg)
	_, err := conn.Write(buf)
	return err
}
