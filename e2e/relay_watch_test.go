package e2e

// What an admin sees of a running relay: its Prometheus metrics and
// /healthz, read through the tailnet from node1 as a Prometheus server on
// the tailnet would, and the notices a local webhook receives. runRelay
// sets this up for every relay scenario; the scenarios check it with the
// helpers below.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tailscale.com/types/key"

	"github.com/signetbox/signet/internal/relay"
)

// metricsPort is where the relay serves metrics on its tailnet address.
const metricsPort = 9464

type relayWatch struct {
	base string       // http://RELAY-TAILNET-IP:PORT
	hc   *http.Client // node1's tailnet HTTP client

	mu      sync.Mutex
	notices []relay.Notice
	maxSeen map[string]float64 // the highest value sampled per metric
}

// watchRelay serves r's metrics on its tailnet address, points its
// notifications at a local webhook, and samples the metrics in the
// background so that short-lived values (a node waiting) are seen.
func (w *world) watchRelay(t *testing.T, ctx context.Context, r *relay.Relay) *relayWatch {
	rw := &relayWatch{base: fmt.Sprintf("http://%s:%d", w.rn.ip, metricsPort), maxSeen: map[string]float64{}}
	hook := httptest.NewServer(http.HandlerFunc(func(wr http.ResponseWriter, req *http.Request) {
		var nt relay.Notice
		if err := json.NewDecoder(req.Body).Decode(&nt); err != nil {
			http.Error(wr, err.Error(), http.StatusBadRequest)
			return
		}
		rw.mu.Lock()
		rw.notices = append(rw.notices, nt)
		rw.mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	var err error
	if r.Notify, err = relay.NewNotifier(hook.URL+"/hooks/e2e", "relay", t.Logf); err != nil {
		t.Fatal(err)
	}
	ln, err := r.ListenMetrics(metricsPort)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: r.Handler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	if w.n1 == nil {
		// A world of real tailscaled nodes has no tsnet node to scrape
		// from; it takes the notices only.
		return rw
	}
	rw.hc = w.n1.ts.HTTPClient()
	sctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go rw.sample(sctx)
	return rw
}

// sample scrapes every 50 ms and keeps each metric's highest value.
func (rw *relayWatch) sample(ctx context.Context) {
	for ctx.Err() == nil {
		if m, err := rw.scrape(ctx); err == nil {
			rw.mu.Lock()
			for k, v := range m {
				rw.maxSeen[k] = max(rw.maxSeen[k], v)
			}
			rw.mu.Unlock()
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// scrape reads /metrics through the tailnet.
func (rw *relayWatch) scrape(ctx context.Context) (map[string]float64, error) {
	body, code, err := rw.get(ctx, "/metrics")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("/metrics answered %d", code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return nil, fmt.Errorf("metrics line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %w", line, err)
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

func (rw *relayWatch) get(ctx context.Context, path string) (string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", rw.base+path, nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := rw.hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode, err
}

// waitMetric waits until metric (name{labels}) satisfies ok.
func (rw *relayWatch) waitMetric(t *testing.T, ctx context.Context, metric string, what string, ok func(float64) bool) {
	t.Helper()
	eventually(t, 30*time.Second, metric+" "+what, func() bool {
		m, err := rw.scrape(ctx)
		if err != nil {
			return false
		}
		v, present := m[metric]
		return present && ok(v)
	})
}

// seenMax is the highest value of metric sampled so far.
func (rw *relayWatch) seenMax(metric string) float64 {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.maxSeen[metric]
}

// health reads /healthz through the tailnet.
func (rw *relayWatch) health(t *testing.T, ctx context.Context) (int, map[string]any) {
	t.Helper()
	body, code, err := rw.get(ctx, "/healthz")
	if err != nil {
		t.Fatalf("/healthz through the tailnet: %v", err)
	}
	var h map[string]any
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("/healthz %d %q: %v", code, body, err)
	}
	return code, h
}

// waitNotice waits for a notice of event about node key nk (any node
// when nk is zero) and returns it.
func (rw *relayWatch) waitNotice(t *testing.T, event string, nk key.NodePublic) relay.Notice {
	t.Helper()
	short := ""
	if !nk.IsZero() {
		short = strings.TrimPrefix(nk.String(), "nodekey:")[:8]
	}
	var found relay.Notice
	eventually(t, 30*time.Second, "a "+event+" notice", func() bool {
		rw.mu.Lock()
		defer rw.mu.Unlock()
		for _, n := range rw.notices {
			if n.Signet.Event == event && (short == "" || n.Signet.NodeKey == "nodekey:"+short) {
				found = n
				return true
			}
		}
		return false
	})
	return found
}

// checkSignatureDelivered: node nk waited (pending_nodes and its wait
// rose, then fell to 0), one signature was delivered, the box is up,
// /healthz is ok, and the webhook heard "node_waiting" then "delivered"
// for nk, without the signature.
func (rw *relayWatch) checkSignatureDelivered(t *testing.T, ctx context.Context, nk key.NodePublic, sig string) {
	t.Helper()
	rw.waitMetric(t, ctx, `signet_relay_deliveries_total{kind="signature"}`, ">= 1", func(v float64) bool { return v >= 1 })
	rw.waitMetric(t, ctx, `signet_relay_pending_nodes`, "back to 0", func(v float64) bool { return v == 0 })
	rw.waitMetric(t, ctx, `signet_relay_queue_jobs{state="done"}`, ">= 1", func(v float64) bool { return v >= 1 })
	rw.waitMetric(t, ctx, `signet_relay_box_up`, "= 1", func(v float64) bool { return v == 1 })
	if m := rw.seenMax(`signet_relay_pending_nodes`); m < 1 {
		t.Errorf("signet_relay_pending_nodes never rose above %v while node3 waited", m)
	}
	if m := rw.seenMax(`signet_relay_oldest_pending_seconds`); m <= 0 {
		t.Errorf("signet_relay_oldest_pending_seconds never rose above %v while node3 waited", m)
	}
	if code, h := rw.health(t, ctx); code != http.StatusOK || h["status"] != "ok" || h["box_reachable"] != true || h["schema_version"] != 1.0 {
		t.Errorf("/healthz: %d %v", code, h)
	}
	waiting := rw.waitNotice(t, relay.EventNodeWaiting, nk)
	done := rw.waitNotice(t, relay.EventDelivered, nk)
	// The device name is the node's MagicDNS name (node3.tail-scale.ts.net).
	if !strings.HasPrefix(waiting.Signet.Node, "node3.") || !strings.Contains(done.Text, "the signature for node3.") {
		t.Errorf("notices: %+v, %+v", waiting, done)
	}
	rw.mu.Lock()
	defer rw.mu.Unlock()
	all, _ := json.Marshal(rw.notices)
	if sig == "" || strings.Contains(string(all), sig) || strings.Contains(string(all), strings.TrimPrefix(nk.String(), "nodekey:")) {
		t.Errorf("a notice carries the signature or the full node key (signature %q):\n%s", sig, all)
	}
	t.Logf("relay watch: %d notices; pending_nodes peaked at %v", len(rw.notices), rw.maxSeen[`signet_relay_pending_nodes`])
}

// checkBoxOutage stops the box's intake: box_up falls to 0, the seconds
// since it answered grow, /healthz stays ok (the relay itself runs) with
// box_reachable false; after a restart, box_up is 1 again.
func (rw *relayWatch) checkBoxOutage(t *testing.T, ctx context.Context, w *world) {
	t.Helper()
	w.box.stop()
	w.box.tun.Close()
	rw.waitMetric(t, ctx, `signet_relay_box_up`, "= 0 while the box is down", func(v float64) bool { return v == 0 })
	rw.waitMetric(t, ctx, `signet_relay_box_last_seen_seconds`, "> 1 while the box is down", func(v float64) bool { return v > 1 })
	if code, h := rw.health(t, ctx); code != http.StatusOK || h["box_reachable"] != false {
		t.Errorf("/healthz with the box down: %d %v", code, h)
	}
	w.box.tun = nil
	w.box.intake(t, ctx, fmt.Sprintf(`{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2"}`, w.relayPriv.Public()))
	rw.waitMetric(t, ctx, `signet_relay_box_up`, "= 1 after the box is back", func(v float64) bool { return v == 1 })
	rw.waitMetric(t, ctx, `signet_relay_box_last_seen_seconds`, "< 5 after the box is back", func(v float64) bool { return v < 5 })
}

// checkNotOnHost checks that the metrics port is not served on the
// host's loopback: whatever listens there (nothing, normally) is not the
// relay.
func (rw *relayWatch) checkNotOnHost(t *testing.T) {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", metricsPort), time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /metrics HTTP/1.0\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b, _ := io.ReadAll(c)
	if strings.Contains(string(b), "signet_relay_") {
		t.Error("the relay's metrics are served on the host's loopback, not only on its tailnet address")
	}
}

// checkDenied: the denial was counted and announced, and nothing waits.
func (rw *relayWatch) checkDenied(t *testing.T, ctx context.Context, nk key.NodePublic) {
	t.Helper()
	rw.waitMetric(t, ctx, `signet_relay_denied_total`, "= 1", func(v float64) bool { return v == 1 })
	rw.waitMetric(t, ctx, `signet_relay_queue_jobs{state="denied"}`, "= 1", func(v float64) bool { return v == 1 })
	rw.waitMetric(t, ctx, `signet_relay_pending_nodes`, "= 0", func(v float64) bool { return v == 0 })
	rw.waitMetric(t, ctx, `signet_relay_deliveries_total{kind="signature"}`, "= 0", func(v float64) bool { return v == 0 })
	rw.waitNotice(t, relay.EventNodeWaiting, nk)
	if n := rw.waitNotice(t, relay.EventDenied, nk); !strings.Contains(n.Text, "denied node3") {
		t.Errorf("denial notice: %+v", n)
	}
}

// checkAUMDelivered: one AUM delivery counted and announced.
func (rw *relayWatch) checkAUMDelivered(t *testing.T, ctx context.Context) {
	t.Helper()
	rw.waitMetric(t, ctx, `signet_relay_deliveries_total{kind="aums"}`, ">= 1", func(v float64) bool { return v >= 1 })
	rw.waitMetric(t, ctx, `signet_relay_delivery_failures_total{kind="aums"}`, "= 0", func(v float64) bool { return v == 0 })
	if n := rw.waitNotice(t, relay.EventDelivered, key.NodePublic{}); n.Signet.AUMs != 1 {
		t.Errorf("AUM delivery notice: %+v", n)
	}
}
