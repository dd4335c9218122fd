package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// hook is a local webhook that records what it is posted.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	status int
}

func newHook(t *testing.T) *hook {
	h := &hook{status: http.StatusOK}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		code := h.status
		h.mu.Unlock()
		if r.Header.Get("Content-Type") != "application/json" {
			code = http.StatusUnsupportedMediaType
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait returns the first n notices posted, failing after a generous
// deadline.
func (h *hook) wait(t *testing.T, n int) []Notice {
	t.Helper()
	end := time.Now().Add(30 * time.Second)
	for {
		h.mu.Lock()
		got := len(h.bodies)
		h.mu.Unlock()
		if got >= n {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the webhook got %d notices, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Notice
	for _, b := range h.bodies[:n] {
		var nt Notice
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&nt); err != nil {
			t.Fatalf("notice %s: %v", b, err)
		}
		out = append(out, nt)
	}
	return out
}

func (h *hook) raw() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, x := range h.bodies {
		b.Write(x)
	}
	return b.String()
}

// logs collects log lines.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func startNotifier(t *testing.T, url string, l *logs) (*Notifier, map[string]int, *sync.Mutex) {
	n, err := NewNotifier(url, "relay-1", l.logf)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counts := map[string]int{}
	n.counted = func(r string) { mu.Lock(); counts[r]++; mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go n.Run(ctx)
	return n, counts, &mu
}

const (
	testNodeKey = "nodekey:0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
	testSig     = "a46b0d0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccd"
)

// Each event posts one notice in the documented format, with the short
// node key and a sanitised name, and no signature or full key.
func TestNotifyFormat(t *testing.T) {
	h := newHook(t)
	n, counts, mu := startNotifier(t, h.srv.URL+"/hooks/T0/B0/x", &logs{})
	j := Job{ID: "sn-0123", NodeKey: testNodeKey, Signature: testSig,
		Claims: map[string]string{"device": "laptop<!channel>@here*`x`.", "ips": "100.64.0.9"}}
	n.nodeWaiting(j)
	n.delivered(j)
	n.deliveryFailed(j, errors.New("control refused the signature: 403 Forbidden: <https://evil|click>"), false)
	n.denied(j)
	aum := Job{ID: "aum/add-1", Request: "add-1", AUMs: []string{"beef", "cafe"}}
	n.delivered(aum)
	got := h.wait(t, 5)

	wantEvents := []string{EventNodeWaiting, EventDelivered, EventDeliveryFailed, EventDenied, EventDelivered}
	for i, nt := range got {
		f := nt.Signet
		if f.Event != wantEvents[i] || f.Schema != 1 || f.Relay != "relay-1" || f.Job == "" {
			t.Errorf("notice %d: %+v, want event %s, schema 1, relay relay-1", i, f, wantEvents[i])
		}
		if _, err := time.Parse(time.RFC3339, f.Time); err != nil {
			t.Errorf("notice %d: time %q: %v", i, f.Time, err)
		}
		if !strings.HasPrefix(nt.Text, "signet-relay relay-1: ") {
			t.Errorf("notice %d text %q", i, nt.Text)
		}
		if i < 4 && (f.NodeKey != "nodekey:01234567" || f.Node != "laptop??channel??here??x?") {
			t.Errorf("notice %d: node %q key %q, want the sanitised name and nodekey:01234567", i, f.Node, f.NodeKey)
		}
	}
	if got[4].Signet.AUMs != 2 || !strings.Contains(got[4].Text, "2 AUM(s) from request aum/add-1") {
		t.Errorf("AUM delivery notice: %+v", got[4])
	}
	if e := got[2].Signet.Error; !strings.HasPrefix(e, "control refused the signature: 403 Forbidden: ?https://evil?click?") {
		t.Errorf("failure notice error %q", e)
	}
	raw := h.raw()
	for _, secret := range []string{testSig, strings.TrimPrefix(testNodeKey, "nodekey:"), "100.64.0.9", "<", "@", "`"} {
		if strings.Contains(raw, secret) {
			t.Errorf("a notice carries %q:\n%s", secret, raw)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if counts["sent"] != 5 || counts["failed"]+counts["dropped"] != 0 {
		t.Errorf("counted %v, want 5 sent", counts)
	}
}

// Past the burst, notices are dropped and counted; the next one sent
// says how many were dropped.
func TestNotifyRateLimit(t *testing.T) {
	h := newHook(t)
	n, counts, mu := startNotifier(t, h.srv.URL, &logs{})
	j := Job{ID: "sn-1", NodeKey: testNodeKey, Claims: map[string]string{"device": "node"}}
	for range notifyBurst + 20 {
		n.nodeWaiting(j)
	}
	h.wait(t, notifyBurst)
	mu.Lock()
	if counts["dropped"] != 20 {
		t.Errorf("dropped %d, want 20", counts["dropped"])
	}
	mu.Unlock()
	// The bucket refills (here at once): the next notice reports the drops.
	n.mu.Lock()
	n.lim = rate.NewLimiter(rate.Inf, 1)
	n.mu.Unlock()
	n.delivered(j)
	got := h.wait(t, notifyBurst+1)
	last := got[notifyBurst]
	if last.Signet.Dropped != 20 || !strings.Contains(last.Text, "(20 earlier notices were not sent: rate limit)") {
		t.Errorf("the notice after the drops: %+v", last)
	}
	time.Sleep(100 * time.Millisecond)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bodies) != notifyBurst+1 {
		t.Errorf("the webhook got %d notices, want %d", len(h.bodies), notifyBurst+1)
	}
}

// The webhook URL is a secret: neither a refused connection, an error
// status nor a malformed URL puts it in a log line or an error.
func TestNotifyKeepsURLSecret(t *testing.T) {
	const token = "XOXB-SECRET-TOKEN-93A1"
	l := &logs{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/hooks/" + token
	ln.Close() // nothing listens there now: the post is refused
	n, counts, mu := startNotifier(t, closed, l)
	n.nodeWaiting(Job{ID: "sn-1", NodeKey: testNodeKey})

	h := newHook(t)
	h.status = http.StatusInternalServerError
	n2, counts2, mu2 := startNotifier(t, h.srv.URL+"/hooks/"+token, l)
	n2.nodeWaiting(Job{ID: "sn-2", NodeKey: testNodeKey})
	h.wait(t, 1)

	end := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		mu2.Lock()
		done := counts["failed"] == 1 && counts2["failed"] == 1
		mu2.Unlock()
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the failures were not counted: %v %v", counts, counts2)
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := l.String()
	if strings.Contains(out, token) || strings.Contains(out, "/hooks/") {
		t.Errorf("the log names the webhook URL:\n%s", out)
	}
	if !strings.Contains(out, "the webhook answered 500") || !strings.Contains(out, "connection refused") {
		t.Errorf("the log does not say what went wrong:\n%s", out)
	}
	for _, bad := range []string{"ftp://hooks.example/" + token, "hooks.example/" + token, "http://[::1/" + token} {
		if _, err := NewNotifier(bad, "r", t.Logf); err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("NewNotifier(%q) = %v; want an error that does not name the URL", bad, err)
		}
	}
}
