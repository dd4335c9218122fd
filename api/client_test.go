package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// tcpDialer dials a test server: the client's dialer is pluggable.
func tcpDialer(addr string) Dialer {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

// testServer serves h and returns a client of it named "the box".
func testServer(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := NewClient(tcpDialer(srv.Listener.Addr().String()), Options{Server: "the box"})
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func TestSendAnswers(t *testing.T) {
	var got http.Header
	var gotReq Request
	var code atomic.Int64
	c := testServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != PathRequests || r.Host != "signet" {
			t.Errorf("call %s %s (host %s)", r.Method, r.URL, r.Host)
		}
		got = r.Header.Clone()
		if err := DecodeStrict(r.Body, 1<<20, "the request", &gotReq); err != nil {
			t.Error(err)
		}
		status := map[int64]Status{200: StatusSigned, 422: StatusError, 503: StatusBusy}[code.Load()]
		writeJSON(w, int(code.Load()), &Response{ID: gotReq.ID, Status: status, Error: "why"})
	})
	req := &Request{ID: "s1", Kind: KindSignNode, NodeKey: "nodekey:00"}
	for _, n := range []int64{200, 422, 503} {
		code.Store(n)
		resp, err := c.Send(context.Background(), req)
		if err != nil || resp.ID != "s1" || resp.Status == "" {
			t.Fatalf("HTTP %d: a Response is the answer whatever the status: %v %+v", n, err, resp)
		}
	}
	if gotReq.NodeKey != "nodekey:00" || got.Get("Content-Type") != "application/json" || got.Get("Idempotency-Key") != "s1" {
		t.Fatalf("request %+v, headers %v", gotReq, got)
	}
	if _, asked := got[HeaderWantQueued]; asked {
		t.Fatal("Send asks for the 102 only under WithQueued")
	}
}

// Answers that are not a Response are errors that say what came back.
func TestSendErrors(t *testing.T) {
	var mode atomic.Value
	c := testServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case "error-json":
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "the request is too big"})
		case "html":
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		case "garbage":
			_, _ = w.Write([]byte("{not json"))
		}
	})
	cases := map[string]string{
		"error-json": "the box answered 413 Request Entity Too Large: the request is too big",
		"html":       "the box answered 502 Bad Gateway",
		"garbage":    "the box answered 200 OK with no JSON: ",
	}
	for m, want := range cases {
		mode.Store(m)
		resp, err := c.Send(context.Background(), &Request{ID: "e1", Kind: KindCheckpoint})
		if resp != nil || err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %+v %v, want an error %q", m, resp, err, want)
		}
		var he *HTTPError
		if m != "garbage" && (!errors.As(err, &he) || he.Code/100 == 2) {
			t.Errorf("%s: %v is not an *HTTPError", m, err)
		}
	}
}

func TestDialFailure(t *testing.T) {
	refused := errors.New("no route to the box")
	c := NewClient(func(context.Context) (net.Conn, error) { return nil, refused }, Options{Server: "the box"})
	if _, err := c.Send(context.Background(), &Request{ID: "d1"}); !errors.Is(err, refused) || !strings.HasPrefix(err.Error(), "cannot reach the box: ") {
		t.Fatalf("send: %v", err)
	}
	if _, err := c.Inform(context.Background(), []string{"00"}); !errors.Is(err, refused) {
		t.Fatalf("inform: %v", err)
	}
	sock := filepath.Join(t.TempDir(), "none.sock")
	_, err := NewUnixClient(sock).Status(context.Background())
	if !errors.Is(err, syscall.ENOENT) || !strings.HasPrefix(err.Error(), "cannot reach the signet daemon (is `signet serve` running, and may you use its socket?): ") {
		t.Fatalf("status of a missing socket: %v", err)
	}
}

// The 102 reaches WithQueued's callback once, with its numbers.
func TestWithQueued(t *testing.T) {
	c := testServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(HeaderWantQueued) != "1" {
			t.Error("no Signet-Want-Queued under WithQueued")
		}
		w.Header().Set(HeaderSignatures, "7")
		w.Header().Set(HeaderAlreadySigned, "2")
		w.WriteHeader(http.StatusProcessing)
		w.WriteHeader(http.StatusEarlyHints) // not the 102: ignored
		w.Header().Del(HeaderSignatures)
		w.Header().Del(HeaderAlreadySigned)
		writeJSON(w, http.StatusOK, &Response{ID: "q1", Status: StatusSigned})
	})
	var mu sync.Mutex
	var seen []Queued
	ctx := WithQueued(context.Background(), func(q Queued) { mu.Lock(); seen = append(seen, q); mu.Unlock() })
	resp, err := c.Send(ctx, &Request{ID: "q1", Kind: KindBatch})
	if err != nil || resp.Status != StatusSigned {
		t.Fatal(resp, err)
	}
	if len(seen) != 1 || seen[0] != (Queued{Signatures: 7, AlreadySigned: 2}) {
		t.Fatalf("queued callbacks %+v", seen)
	}
}

// Status asks again while the daemon is busy, then gives up.
func TestStatusRetriesWhileBusy(t *testing.T) {
	var calls atomic.Int64
	var busyFor atomic.Int64
	var queries sync.Map
	c := testServer(t, func(w http.ResponseWriter, r *http.Request) {
		queries.Store(r.URL.RawQuery, true)
		if calls.Add(1) <= busyFor.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "too many connections"})
			return
		}
		writeJSON(w, http.StatusOK, &StatusInfo{Head: "H", Queue: 3, HSM: &HSMStatus{Backend: "tpm"}})
	})
	busyFor.Store(2)
	st, err := c.Status(context.Background())
	if err != nil || st.Head != "H" || st.HSM == nil || calls.Load() != 3 {
		t.Fatalf("status after two busy answers: %v %+v (%d calls)", err, st, calls.Load())
	}
	calls.Store(0)
	busyFor.Store(100)
	_, err = c.StatusWithoutHSM(context.Background())
	var he *HTTPError
	if !errors.As(err, &he) || he.Code != 503 || he.Message != "too many connections" || calls.Load() != statusTries {
		t.Fatalf("always busy: %v after %d calls", err, calls.Load())
	}
	if _, ok := queries.Load("hsm=no"); !ok {
		t.Fatal("StatusWithoutHSM must ask with ?hsm=no")
	}
	ctx, cancel := context.WithTimeout(context.Background(), statusRetry/2)
	defer cancel()
	if _, err := c.Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a deadline during the retries: %v", err)
	}
}

// SendWatching reports each change of progress while the answer is
// outstanding, and nothing after.
func TestSendWatching(t *testing.T) {
	release := make(chan struct{})
	var polls atomic.Int64
	c := testServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case PathProgress:
			if r.URL.Query().Get("id") != "w 1" {
				t.Errorf("progress of %q", r.URL.RawQuery)
			}
			n := polls.Add(1)
			switch {
			case n == 1:
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "busy"})
			case n < 3:
				writeJSON(w, http.StatusOK, &Progress{ID: "w 1", State: ProgressUnlocking})
			default:
				writeJSON(w, http.StatusOK, &Progress{ID: "w 1", State: ProgressSigning, Done: 1, Total: 2})
			}
		case PathRequests:
			<-release
			writeJSON(w, http.StatusOK, &Response{ID: "w 1", Status: StatusSigned})
		}
	})
	var seen []Progress
	// The answer comes once the watcher saw the signing state.
	resp, err := c.SendWatching(context.Background(), &Request{ID: "w 1"}, func(p Progress) {
		seen = append(seen, p)
		if p.State == ProgressSigning {
			close(release)
		}
	})
	if err != nil || resp.Status != StatusSigned {
		t.Fatal(resp, err)
	}
	want := []Progress{{ID: "w 1", State: ProgressUnlocking}, {ID: "w 1", State: ProgressSigning, Done: 1, Total: 2}}
	if len(seen) != 2 || seen[0] != want[0] || seen[1] != want[1] {
		t.Fatalf("progress seen %+v, want %+v", seen, want)
	}
}

func TestRelayCalls(t *testing.T) {
	c := testServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "POST " + PathAUMs:
			var in InformRequest
			if err := DecodeStrict(r.Body, 1<<10, "the body", &in); err != nil || len(in.AUMs) != 1 {
				writeJSON(w, http.StatusBadRequest, &InformResponse{Error: "bad"})
				return
			}
			if in.AUMs[0] == "refused" {
				writeJSON(w, http.StatusUnprocessableEntity, &InformResponse{Error: "the AUMs were refused"})
				return
			}
			writeJSON(w, http.StatusOK, &InformResponse{Head: "HEAD"})
		case "POST " + PathDelivered:
			var in DeliveredRequest
			_ = DecodeStrict(r.Body, 1<<10, "the body", &in)
			writeJSON(w, http.StatusOK, &DeliveredResponse{Already: in.ID == "again"})
		case "GET " + PathOutbox:
			writeJSON(w, http.StatusOK, &OutboxResponse{Items: []OutboxItem{{ID: r.URL.Query().Get("limit")}}, More: 4})
		default:
			http.NotFound(w, r)
		}
	})
	ctx := context.Background()
	if head, err := c.Inform(ctx, []string{"aa"}); err != nil || head != "HEAD" {
		t.Fatalf("inform: %q %v", head, err)
	}
	if _, err := c.Inform(ctx, []string{"refused"}); err == nil || err.Error() != "the box answered 422 Unprocessable Entity: the AUMs were refused" {
		t.Fatalf("a refused inform: %v", err)
	}
	if already, err := c.Delivered(ctx, DeliveredRequest{ID: "first"}); err != nil || already {
		t.Fatalf("delivered: %v %v", already, err)
	}
	if already, err := c.Delivered(ctx, DeliveredRequest{ID: "again"}); err != nil || !already {
		t.Fatalf("delivered again: %v %v", already, err)
	}
	if ob, err := c.Outbox(ctx, 0); err != nil || len(ob.Items) != 1 || ob.Items[0].ID != "" || ob.More != 4 {
		t.Fatalf("outbox: %+v %v", ob, err)
	}
	if ob, err := c.Outbox(ctx, 5); err != nil || ob.Items[0].ID != "5" {
		t.Fatalf("outbox?limit=5: %+v %v", ob, err)
	}
	if _, err := c.Progress(ctx, "x"); err == nil || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("a server without the endpoint: %v", err)
	}
}

// NewUnixClient talks HTTP over the socket, with Host "signet".
func TestUnixClient(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, &StatusInfo{Head: r.Host})
	})}
	go srv.Serve(l)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := NewUnixClient(sock).Status(ctx)
	if err != nil || st.Head != "signet" {
		t.Fatalf("status over the socket: %+v %v", st, err)
	}
}

func TestNewClientDefaults(t *testing.T) {
	c := NewClient(nil, Options{})
	if c.o.Server != "the server" || c.o.Unreachable != "cannot reach the server" || c.base != "http://signet" {
		t.Fatalf("defaults %+v %s", c.o, c.base)
	}
	c = NewClient(nil, Options{Server: "the box", Unreachable: "reaching the box", Host: "10.0.0.1:80"})
	if c.o.Unreachable != "reaching the box" || c.base != "http://10.0.0.1:80" {
		t.Fatalf("options %+v %s", c.o, c.base)
	}
}
