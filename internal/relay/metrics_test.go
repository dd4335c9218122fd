package relay

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape reads h's /metrics into a map from "name{labels}" to value.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", rec.Code, rec.Body)
	}
	return parseMetrics(t, rec.Body.String())
}

// parseMetrics parses the Prometheus text format into "name{labels}" →
// value.
func parseMetrics(t testing.TB, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// The failure counter counts every failed attempt; the webhook hears of
// the first failure and of giving up, not of each retry.
func TestDeliveryFailureMetricsAndNotices(t *testing.T) {
	q, err := OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	h := newHook(t)
	n, _, _ := startNotifier(t, h.srv.URL, &logs{})
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	r := &Relay{queue: q, logf: t.Logf, now: clock, Poll: 2 * time.Second, metrics: newMetrics(q, clock), Notify: n}
	n.counted = r.metrics.notice
	j := Job{ID: "sig/old-1/ab", Request: "old-1", NodeKey: testNodeKey, Signature: testSig, State: StateDeliver}
	if _, err := q.Add(j); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("control refused the signature: 500")
	for range maxDeliveries {
		j, _ := q.Get(j.ID)
		r.deliveryFailed(j, refused)
	}
	got := h.wait(t, 2)
	if got[0].Signet.Event != EventDeliveryFailed || got[1].Signet.Event != EventDeliveryFailed ||
		!strings.Contains(got[0].Text, "retrying with backoff") || !strings.Contains(got[1].Text, "gave up") {
		t.Errorf("notices: %+v", got)
	}
	m := scrape(t, r.Handler())
	want := map[string]float64{
		`signet_relay_delivery_failures_total{kind="signature"}`: maxDeliveries,
		`signet_relay_delivery_failures_total{kind="aums"}`:      0,
		`signet_relay_deliveries_total{kind="signature"}`:        0,
		`signet_relay_queue_jobs{state="gave-up"}`:               1,
		`signet_relay_queue_jobs{state="deliver"}`:               0,
		`signet_relay_pending_nodes`:                             0,
		`signet_relay_box_up`:                                    0,
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if m := scrape(t, r.Handler()); m[`signet_relay_notifications_total{result="sent"}`] != 2 {
		t.Errorf("notifications sent = %v, want 2", m[`signet_relay_notifications_total{result="sent"}`])
	}
}

// Pending nodes and their wait, and the box's reachability, follow the
// queue and the probes; /healthz says whether the loop runs.
func TestMetricsPendingAndHealth(t *testing.T) {
	q, err := OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_800_000_000, 0)
	now := start
	clock := func() time.Time { return now }
	r := &Relay{queue: q, logf: t.Logf, now: clock, Poll: 2 * time.Second, metrics: newMetrics(q, clock)}
	for i, at := range []time.Time{start, start.Add(30 * time.Second)} {
		id := "sn-" + strconv.Itoa(i)
		if _, err := q.Add(Job{ID: id, NodeKey: testNodeKey, Queued: at}); err != nil {
			t.Fatal(err)
		}
	}
	now = start.Add(10 * time.Minute)
	r.metrics.probed(true, start.Add(9*time.Minute))
	r.metrics.stepped(now, nil)
	m := scrape(t, r.Handler())
	for k, v := range map[string]float64{
		`signet_relay_pending_nodes`:           2,
		`signet_relay_oldest_pending_seconds`:  600,
		`signet_relay_queue_jobs{state="ask"}`: 2,
		`signet_relay_box_up`:                  1,
		`signet_relay_box_last_seen_seconds`:   60,
	} {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if getHealth(t, r).Status != "ok" {
		t.Error("a relay that just stepped is not healthy")
	}
	r.metrics.probed(false, now)
	now = now.Add(time.Minute)
	h := getHealth(t, r)
	if h.Status != "stalled" || h.BoxReachable || h.BoxSeenSeconds != 120 {
		t.Errorf("a minute without a step, box down: %+v", h)
	}
	r.metrics.stepped(now, errors.New("tailscaled is not running"))
	if h := getHealth(t, r); h.Status != "stalled" || h.Error != "tailscaled is not running" {
		t.Errorf("after a failed step: %+v", h)
	}
}

func getHealth(t *testing.T, r *Relay) health {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	var h health
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
		t.Fatalf("/healthz %d %q: %v", rec.Code, rec.Body, err)
	}
	if want := map[string]int{"ok": 200, "stalled": 503}[h.Status]; rec.Code != want || h.Schema != 1 {
		t.Errorf("/healthz answered %d with %+v", rec.Code, h)
	}
	return h
}
