package relay

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric kinds: what a delivery carries.
const (
	kindSignature = "signature" // a node-key signature, to control
	kindAUMs      = "aums"      // AUMs the box made, to control through tailscaled
)

// metrics are what signet-relay tells Prometheus (docs/relay.md lists
// them). The queue's gauges are read from the queue at each scrape.
type metrics struct {
	reg *prometheus.Registry

	deliveries *prometheus.CounterVec
	failures   *prometheus.CounterVec
	denied     prometheus.Counter
	notices    *prometheus.CounterVec

	mu        sync.Mutex
	start     time.Time
	boxSeen   time.Time // zero until the box first answers
	boxUp     bool
	lastStep  time.Time // the end of the last Step that read the tailnet
	stepError string    // why the last Step could not read the tailnet
}

func newMetrics(q *Queue, now func() time.Time) *metrics {
	m := &metrics{
		reg:   prometheus.NewRegistry(),
		start: now(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_relay_deliveries_total",
			Help: "Results delivered to the tailnet, by kind (signature, aums).",
		}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_relay_delivery_failures_total",
			Help: "Failed attempts at delivering a result to the tailnet, by kind (signature, aums).",
		}, []string{"kind"}),
		denied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "signet_relay_denied_total",
			Help: "Requests the box's console denied.",
		}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "signet_relay_notifications_total",
			Help: "Webhook notifications, by result (sent, failed, dropped).",
		}, []string{"result"}),
	}
	for _, k := range []string{kindSignature, kindAUMs} {
		m.deliveries.WithLabelValues(k)
		m.failures.WithLabelValues(k)
	}
	for _, r := range []string{"sent", "failed", "dropped"} {
		m.notices.WithLabelValues(r)
	}
	m.reg.MustRegister(m.deliveries, m.failures, m.denied, m.notices,
		&queueCollector{q: q, now: now},
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "signet_relay_box_up",
			Help: "1 if the box answered the relay's last probe, else 0.",
		}, func() float64 { return b2f(m.box().up) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "signet_relay_box_last_seen_seconds",
			Help: "Seconds since the box last answered a probe (since the relay started, if it never has).",
		}, func() float64 { return now().Sub(m.box().seen).Seconds() }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// boxState is the box's reachability as last probed.
type boxState struct {
	up   bool
	seen time.Time // when it last answered, or the relay's start
}

func (m *metrics) box() boxState {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := boxState{up: m.boxUp, seen: m.boxSeen}
	if s.seen.IsZero() {
		s.seen = m.start
	}
	return s
}

// probed records a probe of the box.
func (m *metrics) probed(up bool, at time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.boxUp = up
	if up {
		m.boxSeen = at
	}
}

// stepped records the end of a Step; err is why it could not read the
// tailnet, or nil.
func (m *metrics) stepped(at time.Time, err error) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastStep, m.stepError = at, ""
	if err != nil {
		m.stepError = err.Error()
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// queueCollector reports the queue at scrape time: jobs by state, the
// locked-out nodes waiting for the box, and how long the oldest has
// waited.
type queueCollector struct {
	q   *Queue
	now func() time.Time
}

var (
	queueJobsDesc = prometheus.NewDesc("signet_relay_queue_jobs",
		"Jobs in the relay's queue, by state (ask, deliver, report, done, denied, gave-up).", []string{"state"}, nil)
	pendingNodesDesc = prometheus.NewDesc("signet_relay_pending_nodes",
		"Locked-out nodes the relay has asked the box to sign and that have no answer yet.", nil, nil)
	oldestPendingDesc = prometheus.NewDesc("signet_relay_oldest_pending_seconds",
		"Seconds the longest-waiting locked-out node has waited for the box's answer (0 when none waits).", nil, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueJobsDesc
	ch <- pendingNodesDesc
	ch <- oldestPendingDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	counts := map[State]int{}
	pending, oldest := 0, time.Duration(0)
	now := c.now()
	c.q.Any(func(j *Job) bool {
		counts[j.State]++
		if j.State == StateAsk && j.NodeKey != "" {
			pending++
			if !j.Queued.IsZero() {
				oldest = max(oldest, now.Sub(j.Queued))
			}
		}
		return false
	})
	for _, st := range []State{StateAsk, StateDeliver, StateReport, StateDone, StateDenied, StateGaveUp} {
		ch <- prometheus.MustNewConstMetric(queueJobsDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
	ch <- prometheus.MustNewConstMetric(pendingNodesDesc, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(oldestPendingDesc, prometheus.GaugeValue, oldest.Seconds())
}

// healthSchema is the schema version of the /healthz answer.
const healthSchema = 1

// health is the /healthz answer: "ok" while the relay's loop reads the
// tailnet, whether or not the box answers (box_reachable says that; an
// unreachable box is an alert, not a dead relay).
type health struct {
	Schema          int     `json:"schema_version"`
	Status          string  `json:"status"` // ok, stalled
	Error           string  `json:"error,omitempty"`
	LastStepSeconds float64 `json:"last_step_seconds"`
	BoxReachable    bool    `json:"box_reachable"`
	BoxSeenSeconds  float64 `json:"box_last_seen_seconds"`
}

// Handler serves /metrics (Prometheus text format) and /healthz (JSON,
// 200 when healthy, 503 when the loop has not read the tailnet for
// stallAfter).
func (r *Relay) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(r.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", r.serveHealth)
	return mux
}

// stallAfter is how long the loop may go without reading the tailnet
// before /healthz reports the relay stalled: a few polls, and more than
// the box's longest quick call.
func (r *Relay) stallAfter() time.Duration { return max(5*r.Poll, 30*time.Second) }

func (r *Relay) serveHealth(w http.ResponseWriter, _ *http.Request) {
	m := r.metrics
	now := r.now()
	b := m.box()
	m.mu.Lock()
	last, stepErr := m.lastStep, m.stepError
	m.mu.Unlock()
	h := health{Schema: healthSchema, Status: "ok", BoxReachable: b.up, BoxSeenSeconds: now.Sub(b.seen).Seconds()}
	if last.IsZero() {
		last = m.start
	}
	h.LastStepSeconds = now.Sub(last).Seconds()
	code := http.StatusOK
	if stepErr != "" || now.Sub(last) > r.stallAfter() {
		h.Status, h.Error, code = "stalled", stepErr, http.StatusServiceUnavailable
		if h.Error == "" {
			h.Error = fmt.Sprintf("the relay has not read the tailnet for %v", now.Sub(last).Round(time.Second))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(h)
}

// ListenMetrics listens on port of the relay's tailnet addresses only
// (the tsnet node's own network stack; nothing is opened on the host's
// interfaces), for [Relay.Handler].
func (r *Relay) ListenMetrics(port int) (net.Listener, error) {
	ln, err := r.ts.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return nil, fmt.Errorf("listening for metrics on the tailnet, port %d: %w", port, err)
	}
	return ln, nil
}

// deliveryKind is the kind label of job j's delivery.
func deliveryKind(j Job) string {
	if len(j.AUMs) > 0 {
		return kindAUMs
	}
	return kindSignature
}

// The recorders below do nothing on a nil *metrics (a Relay built in a
// unit test without New).

func (m *metrics) delivery(kind string) {
	if m != nil {
		m.deliveries.WithLabelValues(kind).Inc()
	}
}

func (m *metrics) failure(kind string) {
	if m != nil {
		m.failures.WithLabelValues(kind).Inc()
	}
}

func (m *metrics) deny() {
	if m != nil {
		m.denied.Inc()
	}
}

func (m *metrics) notice(result string) {
	if m != nil {
		m.notices.WithLabelValues(result).Inc()
	}
}
