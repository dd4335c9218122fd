package signer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

// queuedLog records the 102s a client saw.
type queuedLog struct {
	mu  sync.Mutex
	got []api.Queued
}

func (l *queuedLog) add(q api.Queued) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, q)
}

func (l *queuedLog) list() []api.Queued {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]api.Queued(nil), l.got...)
}

// The daemon says "queued" over the real socket only for a request that
// waits for the console, and says it before the console decided; a
// request answered at once (already signed, refused) gets no 102.
func TestQueuedOnlyWhenOnTheConsole(t *testing.T) {
	f := newFixture(t)
	c, _ := serveFixture(t, f)
	f.prompt.block = make(chan struct{})
	var log queuedLog
	ctx := api.WithQueued(context.Background(), log.add)
	done := make(chan *api.Response, 1)
	go func() {
		resp, err := c.Send(ctx, &api.Request{ID: "q1", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()})
		if err != nil {
			t.Error(err)
		}
		done <- resp
	}()
	waitFor(t, "the 102 and the review", func() bool { return len(log.list()) == 1 && len(f.prompt.reviews()) == 1 })
	select {
	case r := <-done:
		t.Fatalf("answered before the console decided: %+v", r)
	default:
	}
	close(f.prompt.block)
	if r := <-done; r == nil || r.Status != api.StatusSigned || log.list()[0].Signatures != 1 {
		t.Fatalf("answer %+v after %+v", r, log.list())
	}

	// Already signed: answered at once, no 102.
	var again queuedLog
	r, err := c.Send(api.WithQueued(context.Background(), again.add), &api.Request{ID: "q2", Kind: api.KindSignNode, NodeKey: nodeKey(1).String()})
	if err != nil || r.Status != api.StatusAlreadySigned || len(again.list()) != 0 {
		t.Fatalf("already signed: %v %+v, 102s %+v", err, r, again.list())
	}
	// Refused before the console: no 102.
	r, err = c.Send(api.WithQueued(context.Background(), again.add), &api.Request{ID: "q3", Kind: api.KindRemoveKey, Key: tka.FormatTLPub(chaingen.NewKey(940).PublicKey())})
	if err != nil || r.Status != api.StatusError || len(again.list()) != 0 {
		t.Fatalf("refused: %v %+v, 102s %+v", err, r, again.list())
	}
}

// A batch's 102 carries the numbers the console shows: the nodes to sign
// (at most the limit, not counting nodes signed before) and those skipped.
func TestQueuedBatchCountsWhatIsSigned(t *testing.T) {
	f := newFixture(t)
	c, _ := serveFixture(t, f)
	var first []api.BatchNode
	for i := range 3 {
		first = append(first, api.BatchNode{NodeKey: nodeKey(byte(10 + i)).String()})
	}
	if r, err := c.Send(context.Background(), &api.Request{ID: "b1", Kind: api.KindBatch, Nodes: first}); err != nil || r.Status != api.StatusSigned {
		t.Fatalf("first batch: %v %+v", err, r)
	}
	nodes := append([]api.BatchNode(nil), first...)
	for i := range 10 {
		nodes = append(nodes, api.BatchNode{NodeKey: nodeKey(byte(20 + i)).String()})
	}
	var log queuedLog
	r, err := c.Send(api.WithQueued(context.Background(), log.add), &api.Request{ID: "b2", Kind: api.KindBatch, Nodes: nodes, Limit: 4})
	if err != nil || r.Status != api.StatusSigned {
		t.Fatalf("second batch: %v %+v", err, r)
	}
	if got := log.list(); len(got) != 1 || got[0] != (api.Queued{Signatures: 4, AlreadySigned: 3}) {
		t.Fatalf("102s %+v, want one saying 4 to sign, 3 already signed", got)
	}
	rv := f.prompt.reviews()[1]
	if len(rv.Items) != 4 || rv.Summary[0] != "direct signatures over 4 node keys (3 more already signed, skipped; 6 more left for a later batch by the limit)" {
		t.Fatalf("the console shows %d items: %q", len(rv.Items), rv.Summary)
	}
	signed := 0
	for _, n := range r.Nodes {
		if n.Note == "" {
			signed++
		}
	}
	if signed != 4 || len(r.Nodes) != 7 {
		t.Fatalf("signed %d, answered %d nodes; want 4 signed and 3 already signed", signed, len(r.Nodes))
	}
}

// A second request with the same id joins the first; its client hears
// "queued" as well.
func TestQueuedReachesJoinedRequest(t *testing.T) {
	f := newFixture(t)
	c, sock := serveFixture(t, f)
	f.prompt.block = make(chan struct{})
	req := &api.Request{ID: "j1", Kind: api.KindSignNode, NodeKey: nodeKey(3).String()}
	var a, b queuedLog
	done := make(chan struct{}, 2)
	go func() { _, _ = c.Send(api.WithQueued(context.Background(), a.add), req); done <- struct{}{} }()
	waitFor(t, "the first request's review", func() bool { return len(f.prompt.reviews()) == 1 })
	go func() {
		_, _ = api.NewUnixClient(sock).Send(api.WithQueued(context.Background(), b.add), req)
		done <- struct{}{}
	}()
	waitFor(t, "the joined request's 102", func() bool { return len(b.list()) == 1 })
	close(f.prompt.block)
	<-done
	<-done
	if len(a.list()) != 1 {
		t.Fatalf("the first request's 102s: %+v", a.list())
	}
}

// A client that reads the raw answer sees the 102 before the final
// status line, with the count.
func TestQueuedOnTheWire(t *testing.T) {
	f := newFixture(t)
	_, sock := serveFixture(t, f)
	conn, err := dialForTest(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"id":"w1","kind":"sign-node","node_key":"` + nodeKey(4).String() + `"}`
	fmt.Fprintf(conn, "POST /v1/requests HTTP/1.1\r\nHost: signet\r\n%s: 1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", api.HeaderWantQueued, len(body), body)
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i102, i200 := strings.Index(text, "HTTP/1.1 102 Processing\r\n"), strings.Index(text, "HTTP/1.1 200 OK\r\n")
	if i102 < 0 || i200 < i102 || !strings.Contains(text[:i200], api.HeaderSignatures+": 1\r\n") || strings.Contains(text[i200:], api.HeaderSignatures) {
		t.Fatalf("want a 102 with %s: 1 before the 200 (and not on it):\n%s", api.HeaderSignatures, text)
	}

	// A client that does not ask gets the answer alone: some clients
	// take any status line for it.
	conn, err = dialForTest(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body = `{"id":"w2","kind":"sign-node","node_key":"` + nodeKey(6).String() + `"}`
	fmt.Fprintf(conn, "POST /v1/requests HTTP/1.1\r\nHost: signet\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	if raw, err = io.ReadAll(conn); err != nil || !strings.HasPrefix(string(raw), "HTTP/1.1 200 OK\r\n") || strings.Contains(string(raw), " 102 ") {
		t.Fatalf("without %s: %v\n%s", api.HeaderWantQueued, err, raw)
	}
}

// dialForTest opens a raw connection to the daemon's socket.
func dialForTest(sock string) (io.ReadWriteCloser, error) {
	return api.UnixDialer(sock)(context.Background())
}

// The 102 is not the answer: a review that outlasts the answer's write
// deadline (which starts at the answer's first byte) still gets its
// answer.
func TestQueuedDoesNotStartTheWriteDeadline(t *testing.T) {
	f := newFixture(t)
	lim := testLimits
	lim.WriteTimeout = 200 * time.Millisecond
	sock := serveLimited(t, f, lim)
	f.prompt.block = make(chan struct{})
	var log queuedLog
	done := make(chan error, 1)
	go func() {
		r, err := api.NewUnixClient(sock).Send(api.WithQueued(context.Background(), log.add), &api.Request{ID: "late", Kind: api.KindSignNode, NodeKey: nodeKey(5).String()})
		if err == nil && r.Status != api.StatusSigned {
			err = fmt.Errorf("answer %s %q", r.Status, r.Error)
		}
		done <- err
	}()
	waitFor(t, "the 102", func() bool { return len(log.list()) == 1 })
	time.Sleep(4 * lim.WriteTimeout)
	close(f.prompt.block)
	if err := <-done; err != nil {
		t.Fatalf("the answer after a review longer than the write deadline: %v", err)
	}
}
