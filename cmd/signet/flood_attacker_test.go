package main

// The attacker of TestFloodRealDaemon, run as a process of its own (as
// uid nobody when the test runs as root):
//
//	signet-flood MODE SOCKET N
//
// It keeps N connections of kind MODE open to the daemon's socket until
// it is killed, opening a new one whenever the daemon closes one, and
// prints its counts every 200 ms: "opened A closed B".
//
//	idle       a status request, then the connection stays idle (keep-alive)
//	slowloris  a request line, then one header line a second, never done
//	body       a 4 MiB request body of which 64 KiB are sent, then 1 byte a second
//	churn      connect and close at once, as fast as possible
//
//	signet-flood report SOCKET N ID NODEKEY
//
// sends N delivery reports for request ID and node key NODEKEY, one after
// the other, and prints each answer: "CODE ERROR".

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/signetbox/signet/api"
)

func signetFlood() {
	if len(os.Args) == 6 && os.Args[1] == "report" {
		n, _ := strconv.Atoi(os.Args[3])
		reportFlood(os.Args[2], n, os.Args[4], os.Args[5])
		return
	}
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: signet-flood MODE SOCKET N")
		os.Exit(2)
	}
	mode, sock := os.Args[1], os.Args[2]
	n, _ := strconv.Atoi(os.Args[3])
	var opened, closed atomic.Int64
	go func() {
		for range time.Tick(200 * time.Millisecond) {
			fmt.Printf("opened %d closed %d\n", opened.Load(), closed.Load())
		}
	}()
	slots := make(chan struct{}, n)
	for {
		slots <- struct{}{}
		go func() {
			defer func() { <-slots }()
			c, err := net.Dial("unix", sock)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				return
			}
			opened.Add(1)
			floodConn(mode, c)
			c.Close()
			closed.Add(1)
		}()
	}
}

// floodConn holds c in the way mode says until the daemon closes it.
func floodConn(mode string, c net.Conn) {
	switch mode {
	case "idle":
		if _, err := io.WriteString(c, "GET /v1/status?hsm=no HTTP/1.1\r\nHost: signet\r\n\r\n"); err != nil {
			return
		}
		r := bufio.NewReader(c)
		if resp, err := http.ReadResponse(r, nil); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		io.Copy(io.Discard, r) // idle until the daemon closes it
	case "slowloris":
		trickle(c, "GET /v1/status HTTP/1.1\r\nHost: signet\r\n", "X-Slow: a\r\n")
	case "body":
		head := fmt.Sprintf("POST /v1/requests HTTP/1.1\r\nHost: signet\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 4<<20)
		first := make([]byte, 64<<10)
		for i := range first {
			first[i] = ' '
		}
		trickle(c, head+string(first), " ")
	case "churn":
	}
}

// trickle writes first, then more once a second, until the daemon
// closes the connection.
func trickle(c net.Conn, first, more string) {
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, c); close(done) }()
	if _, err := io.WriteString(c, first); err != nil {
		return
	}
	for {
		select {
		case <-done:
			return
		case <-time.After(time.Second):
		}
		if _, err := io.WriteString(c, more); err != nil {
			return
		}
	}
}

// reportFlood posts n delivery reports and prints each answer.
func reportFlood(sock string, n int, id, nodeKey string) {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	body, _ := json.Marshal(api.DeliveredRequest{ID: id, NodeKey: nodeKey, Via: "flood test"})
	for range n {
		resp, err := hc.Post("http://signet/v1/delivered", "application/json", bytes.NewReader(body))
		if err != nil {
			fmt.Printf("0 %v\n", err)
			continue
		}
		var out api.DeliveredResponse
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		fmt.Printf("%d %s\n", resp.StatusCode, out.Error)
	}
}
