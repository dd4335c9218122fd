package vpiv

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"
)

// TestVPCDFraming plays vpcd's side of the protocol over loopback: power
// on, ATR polls, an APDU, and the drop on Unplug.
func TestVPCDFraming(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := New(Options{Serial: 7, Addr: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	inserted := make(chan error, 1)
	go func() { inserted <- c.Insert(context.Background()) }()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))

	writeMsg(conn, []byte{ctlPowerOn})
	for i := range 3 {
		select {
		case err := <-inserted:
			t.Fatalf("Insert returned after %d ATR polls (%v), want 3", i, err)
		default:
		}
		writeMsg(conn, []byte{ctlGetATR})
		got, err := readMsg(conn)
		if err != nil || !bytes.Equal(got, atr) {
			t.Fatalf("ATR = %x, %v", got, err)
		}
	}
	if err := <-inserted; err != nil {
		t.Fatal(err)
	}
	writeMsg(conn, mustHex("00f8000000"))
	if got, err := readMsg(conn); err != nil || !bytes.Equal(got, mustHex("000000079000")) {
		t.Fatalf("GET SERIAL over vpcd = %x, %v", got, err)
	}
	c.Unplug()
	if _, err := readMsg(conn); err == nil {
		t.Fatal("connection still open after Unplug")
	}
}
