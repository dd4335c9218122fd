package signer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
)

// testLimits are small, fast limits for the socket tests.
var testLimits = Limits{
	PerPeer: 4, StatusOnly: 1, Total: 64, Reserved: 8,
	HeaderTimeout: 300 * time.Millisecond, BodyTimeout: 300 * time.Millisecond,
	IdleTimeout: 10 * time.Second, WriteTimeout: 2 * time.Second,
	MaxHeaderBytes: 4 << 10, BodyBudget: 16 << 20, PeerBodyBudget: 8 << 20,
}

// serveLimited serves f on a unix socket with lim and returns its path.
func serveLimited(t *testing.T, f *fixture, lim Limits) string {
	t.Helper()
	sock := filepath.Join(f.dir, "signet.sock")
	l, err := ListenUnix(sock, -1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.svc.ServeUnixWith(ctx, l, lim) }()
	t.Cleanup(func() { cancel(); <-done })
	return sock
}

// rawConn opens a connection and writes text on it.
func rawConn(t *testing.T, sock, text string) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// A write may fail when the server refused the connection already.
	_, _ = io.WriteString(c, text)
	return c
}

// mustStatus asks for the status once and fails the test if it gets no
// answer.
func mustStatus(t *testing.T, sock string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := api.NewUnixClient(sock).Status(ctx); err != nil {
		t.Fatalf("status during the flood: %v", err)
	}
}

// closedByServer reports whether the server closed c, reading any answer
// first; it waits up to wait.
func closedByServer(c net.Conn, wait time.Duration) (answer string, closed bool) {
	_ = c.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(c)
	return string(b), err == nil || errors.Is(err, syscall.ECONNRESET)
}

const statusReq = "GET /v1/status?hsm=no HTTP/1.1\r\nHost: signet\r\n\r\n"

// Idle keep-alive connections of one peer evict each other once idle
// for evictGrace, or are refused before: the peer holds at most PerPeer
// of them, and a new status gets through.
func TestIdleFloodEvicts(t *testing.T) {
	f := newFixture(t)
	sock := serveLimited(t, f, testLimits)
	var conns []net.Conn
	refused := 0
	for i := range 40 {
		if i == 20 {
			time.Sleep(evictGrace) // the first ones are now evictable
		}
		c := rawConn(t, sock, statusReq)
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			refused++ // 503, or closed unanswered beyond maxRefusing
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		conns = append(conns, c)
	}
	if refused == 0 || len(conns) <= testLimits.PerPeer+testLimits.StatusOnly {
		t.Fatalf("%d refused, %d answered: want some of each, and more answered than the peer may hold (evicted ones)", refused, len(conns))
	}
	mustStatus(t, sock)
	closed := 0
	for _, c := range conns {
		if _, ok := closedByServer(c, 100*time.Millisecond); ok {
			closed++
		}
	}
	if open := len(conns) - closed; open > testLimits.PerPeer+testLimits.StatusOnly {
		t.Fatalf("%d idle connections of one peer stay open, want at most %d", open, testLimits.PerPeer+testLimits.StatusOnly)
	}
}

// Connections that never finish their headers are closed after
// HeaderTimeout, and meanwhile a status gets through.
func TestSlowHeadersClosed(t *testing.T) {
	f := newFixture(t)
	sock := serveLimited(t, f, testLimits)
	var conns []net.Conn
	for range 30 {
		conns = append(conns, rawConn(t, sock, "GET /v1/status HTTP/1.1\r\nX-Slow: "))
	}
	time.Sleep(evictGrace + 50*time.Millisecond)
	mustStatus(t, sock)
	for i, c := range conns {
		if _, ok := closedByServer(c, 5*time.Second); !ok {
			t.Fatalf("connection %d with unfinished headers is still open", i)
		}
	}
}

// A body that never arrives is answered 408 after BodyTimeout; bodies
// beyond the peer's budget are refused at once with 503; nothing reaches
// the console or the journal.
func TestUnfinishedBodies(t *testing.T) {
	f := newFixture(t)
	before, _ := f.svc.journal.Last()
	sock := serveLimited(t, f, testLimits)
	head := fmt.Sprintf("POST /v1/requests HTTP/1.1\r\nHost: signet\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"id\":", 4<<20)
	var conns []net.Conn
	for range 3 {
		conns = append(conns, rawConn(t, sock, head))
	}
	mustStatus(t, sock)
	var got []string
	for _, c := range conns {
		a, ok := closedByServer(c, 5*time.Second)
		if !ok {
			t.Fatal("a connection with an unfinished body stays open")
		}
		got = append(got, strings.SplitN(a, "\r\n", 2)[0])
	}
	slices.Sort(got)
	want := "HTTP/1.1 408 Request Timeout,HTTP/1.1 408 Request Timeout,HTTP/1.1 503 Service Unavailable"
	if strings.Join(got, ",") != want {
		t.Fatalf("answers %q, want %s (two bodies fill the peer's 8 MiB budget)", got, want)
	}
	if n := len(f.prompt.reviews()); n != 0 {
		t.Fatalf("%d reviews from unfinished bodies", n)
	}
	if last, _ := f.svc.journal.Last(); last.Seq != before.Seq {
		t.Fatalf("unfinished bodies journaled %+v", last)
	}
}

// A request that waits for the console longer than the body and header
// timeouts still gets its answer: the deadlines are for reading only.
func TestLongReviewOutlivesTimeouts(t *testing.T) {
	f := newFixture(t)
	f.prompt.block = make(chan struct{})
	sock := serveLimited(t, f, testLimits)
	done := make(chan *api.Response, 1)
	go func() {
		resp, err := api.NewUnixClient(sock).Send(context.Background(), &api.Request{ID: "slow1", Kind: api.KindSignNode, NodeKey: nodeKey(9).String()})
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	for len(f.prompt.reviews()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * testLimits.BodyTimeout)
	close(f.prompt.block)
	if r := <-done; r == nil || r.Status != api.StatusSigned {
		t.Fatalf("answer after a long review: %+v", r)
	}
}

// Over the listener's total, a new connection evicts an idle one; with
// none to evict it is refused with 503.
func TestTotalCap(t *testing.T) {
	f := newFixture(t)
	lim := testLimits
	lim.Total, lim.PerPeer, lim.StatusOnly = 3, 10, 0
	f.prompt.block = make(chan struct{})
	sock := serveLimited(t, f, lim)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			api.NewUnixClient(sock).Send(context.Background(), &api.Request{ID: fmt.Sprint("busy", i), Kind: api.KindSignNode, NodeKey: nodeKey(byte(20 + i)).String()})
		}()
	}
	for len(f.prompt.reviews()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the other two wait in the queue
	c := rawConn(t, sock, statusReq)
	a, _ := closedByServer(c, 5*time.Second)
	if !strings.HasPrefix(a, "HTTP/1.1 503 ") || !strings.Contains(a, "too many connections") {
		t.Fatalf("a connection over the total got %q, want 503", a)
	}
	close(f.prompt.block)
	wg.Wait()
}
