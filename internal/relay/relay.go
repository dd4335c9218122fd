// Package relay is signet-relay's work: it watches a tailnet (as a tsnet
// node) for locked-out nodes and new AUMs, asks the signet box through
// its WireGuard intake, and delivers what the box signed back to the
// tailnet, keeping every result in a durable queue until the box has
// journaled its delivery.
//
// This package links tailscale.com; the signet binary must never import
// it (scripts/check-binary.sh).
package relay

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/types/key"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/tka"
)

// Relay runs the watch and delivery loop.
type Relay struct {
	ts    *tsnet.Server
	lc    *local.Client
	box   *Box
	queue *Queue
	logf  func(format string, args ...any)
	now   func() time.Time

	// Poll is how often the tailnet is looked at (default 2 s).
	Poll time.Duration
	// MaxAsking bounds requests waiting at the box's console (default 4).
	MaxAsking int
	// Notify, when set before Run, posts events to a webhook.
	Notify *Notifier

	metrics *metrics

	mu     sync.Mutex
	asking map[string]bool
	// dropAsks cancels the asks in flight (nil when none was started).
	dropAsks context.CancelFunc
	asksCtx  context.Context
	// boot is the box's StatusInfo.Boot when last seen.
	boot string
	// boxDown is set while the box's probe fails (Step's goroutine only).
	boxDown bool
}

// New returns a relay for the running tsnet node ts.
func New(ts *tsnet.Server, box *Box, q *Queue, logf func(string, ...any)) (*Relay, error) {
	lc, err := ts.LocalClient()
	if err != nil {
		return nil, fmt.Errorf("opening the tsnet local client: %w", err)
	}
	return &Relay{ts: ts, lc: lc, box: box, queue: q, logf: logf, now: time.Now,
		Poll: 2 * time.Second, MaxAsking: 4, asking: map[string]bool{},
		metrics: newMetrics(q, time.Now)}, nil
}

// Run loops until ctx is done.
func (r *Relay) Run(ctx context.Context) error {
	if r.Notify != nil {
		r.Notify.counted = r.metrics.notice
		go r.Notify.Run(ctx)
	}
	t := time.NewTicker(r.Poll)
	defer t.Stop()
	for {
		r.Step(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Step looks at the tailnet once and moves every due job one step.
func (r *Relay) Step(ctx context.Context) {
	st, err := r.lc.NetworkLockStatus(ctx)
	if err != nil {
		r.logf("relay: reading the tailnet lock status: %v", err)
		r.metrics.stepped(r.now(), err)
		return
	}
	defer func() { r.metrics.stepped(r.now(), nil) }()
	if st.Enabled {
		r.watchLocked(st)
	}
	// Everything that needs the box waits until it answers; results
	// already signed still go to the tailnet.
	bs, err := r.box.Probe(ctx)
	r.metrics.probed(err == nil, r.now())
	if err != nil {
		r.logf("relay: the box does not answer: %v (starting a new WireGuard handshake)", err)
		r.boxDown = true
	} else {
		r.noteBoot(bs.Boot)
		if r.boxDown {
			r.boxDown = false
			if err := r.queue.RetryNow(StateAsk, StateReport); err != nil {
				r.logf("relay: %v", err)
			}
		}
	}
	if err == nil && st.Enabled {
		if err := r.pullOutbox(ctx); err != nil {
			r.logf("relay: %v", err)
		}
		if err := r.forwardAUMs(ctx, st, bs); err != nil {
			r.logf("relay: forwarding AUMs: %v", err)
		}
	}
	if err == nil {
		for _, j := range r.queue.Due(StateAsk, r.now()) {
			r.startAsk(ctx, j)
		}
	}
	aumFailed := false
	due := r.queue.Due(StateDeliver, r.now())
	slices.SortStableFunc(due, func(a, b Job) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, j := range due {
		// AUMs go in chain order: after one fails, the later ones wait.
		if len(j.AUMs) > 0 && aumFailed {
			continue
		}
		if !r.deliver(ctx, j) && len(j.AUMs) > 0 {
			aumFailed = true
		}
	}
	// A report the box does not take ends this round: the box is likely
	// gone, and the next step's probe finds out without waiting on each.
	for _, j := range r.queue.Due(StateReport, r.now()) {
		if !r.report(ctx, j) {
			break
		}
	}
}

// JobID is the box request ID for signing node key nk. It is derived
// from the key, so asking again (after a crash) gets the box's first
// answer instead of a second signature.
func JobID(nk key.NodePublic) string {
	h := strings.TrimPrefix(nk.String(), "nodekey:")
	return "sn-" + h[:60]
}

// watchLocked queues a sign request for every locked-out peer.
func (r *Relay) watchLocked(st *ipnstate.TailnetLockStatus) {
	for _, p := range st.FilteredPeers {
		j := Job{ID: JobID(p.NodeKey), NodeKey: p.NodeKey.String(), Claims: claims(p), StateID: st.StateID, Queued: r.now()}
		added, err := r.queue.Add(j)
		if err != nil {
			r.logf("relay: %v", err)
			return
		}
		if added {
			r.logf("relay: %s (%s) is locked out; asking the box", p.Name, p.NodeKey.ShortString())
			r.Notify.nodeWaiting(j)
			continue
		}
		r.redeliverIfStillLocked(j.ID, p.Name)
	}
}

// Re-delivery of a signature whose node is still locked out after it was
// delivered: control may have lost it (a node that registered again), or
// the update may not have reached the nodes. The box's signature is still
// good and a second delivery is harmless; the wait doubles each time.
const (
	redeliverAfter  = 10 * time.Second
	maxRedeliveries = 5
)

func (r *Relay) redeliverIfStillLocked(id, name string) {
	j, ok := r.queue.Get(id)
	if !ok || j.State != StateDone || j.DoneAt.IsZero() || j.Redeliveries >= maxRedeliveries {
		return
	}
	if r.now().Sub(j.DoneAt) < redeliverAfter<<j.Redeliveries {
		return
	}
	r.logf("relay: %s is still locked out %v after its signature was delivered; delivering it again", name, r.now().Sub(j.DoneAt).Round(time.Second))
	err := r.queue.Update(id, func(q *Job) {
		q.State, q.Attempts, q.NextTry = StateDeliver, 0, time.Time{}
		q.Redeliveries++
	})
	if err != nil {
		r.logf("relay: %v", err)
	}
}

// claims are what the tailnet says about a peer; the box shows them as
// unverified. (Control sends no OS or user for a filtered peer.)
func claims(p *ipnstate.TKAPeer) map[string]string {
	c := map[string]string{"device": strings.TrimSuffix(p.Name, "."), "node_id": fmt.Sprint(p.ID), "stable_id": string(p.StableID)}
	var ips []string
	for _, ip := range p.TailscaleIPs {
		ips = append(ips, ip.String())
	}
	if len(ips) > 0 {
		c["ips"] = strings.Join(ips, " ")
	}
	return c
}

func (r *Relay) startAsk(ctx context.Context, j Job) {
	r.mu.Lock()
	if r.asking[j.ID] || len(r.asking) >= r.MaxAsking {
		r.mu.Unlock()
		return
	}
	r.asking[j.ID] = true
	if r.asksCtx == nil {
		r.asksCtx, r.dropAsks = context.WithCancel(ctx)
	}
	ctx = r.asksCtx
	r.mu.Unlock()
	go func() {
		defer func() { r.mu.Lock(); delete(r.asking, j.ID); r.mu.Unlock() }()
		r.ask(ctx, j)
	}()
}

func (r *Relay) ask(ctx context.Context, j Job) {
	resp, err := r.box.Ask(ctx, &api.Request{ID: j.ID, Kind: api.KindSignNode, NodeKey: j.NodeKey, Claims: j.Claims, StateID: j.StateID})
	if err != nil {
		r.retry(j.ID, err)
		return
	}
	switch resp.Status {
	case api.StatusSigned, api.StatusAlreadySigned:
		if resp.Signature == "" {
			r.retry(j.ID, fmt.Errorf("the box answered %s without a signature", resp.Status))
			return
		}
		err = r.queue.Update(j.ID, func(q *Job) {
			q.State, q.Signature, q.Attempts, q.NextTry = StateDeliver, resp.Signature, 0, time.Time{}
			q.Unreported = resp.Status == api.StatusAlreadySigned
		})
		r.logf("relay: the box signed %s", j.ID)
	case api.StatusDenied, api.StatusFailed:
		// Both are final for this request id: the box answers it the same
		// way from now on (a failed signing is closed in its journal).
		err = r.queue.Update(j.ID, func(q *Job) { q.State, q.LastError = StateDenied, resp.Error })
		r.logf("relay: the box %s %s: %s", resp.Status, j.ID, resp.Error)
		r.metrics.deny()
		r.Notify.denied(j)
	default:
		r.retry(j.ID, fmt.Errorf("the box answered %s: %s", resp.Status, resp.Error))
	}
	if err != nil {
		r.logf("relay: %v", err)
	}
}

// noteBoot cancels the asks in flight when the box restarted: the process
// they went to is gone and its successor knows nothing of their
// connections, so they would wait out their timeout. Each is asked again
// with backoff, and the box answers a repeated request ID with its first
// answer. (Cancelling on a mere slow answer would be wrong: the box takes
// a request whose asker went away as denied.)
func (r *Relay) noteBoot(boot string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if boot == r.boot {
		return
	}
	if r.boot != "" {
		r.box.Restarted()
		if r.dropAsks != nil {
			if len(r.asking) > 0 {
				r.logf("relay: the box restarted; asking again the %d requests in flight", len(r.asking))
			}
			r.dropAsks()
			r.asksCtx, r.dropAsks = nil, nil
		}
	}
	r.boot = boot
}

// retry records a failure and schedules the next attempt with backoff.
func (r *Relay) retry(id string, cause error) {
	r.logf("relay: %s: %v (will retry)", id, cause)
	err := r.queue.Update(id, func(j *Job) {
		j.Attempts++
		j.NextTry, j.LastError = r.now().Add(backoff(j.Attempts)), cause.Error()
	})
	if err != nil {
		r.logf("relay: %v", err)
	}
}

// deliveryFailed schedules another try, or gives up on an outbox result
// control refused maxDeliveries times.
func (r *Relay) deliveryFailed(j Job, cause error) {
	r.metrics.failure(deliveryKind(j))
	if j.Request == "" || j.Attempts+1 < maxDeliveries {
		if j.Attempts == 0 {
			r.Notify.deliveryFailed(j, cause, false)
		}
		r.retry(j.ID, cause)
		return
	}
	r.logf("relay: %s: %v; giving up after %d tries (it stays in the box's outbox)", j.ID, cause, maxDeliveries)
	r.Notify.deliveryFailed(j, cause, true)
	err := r.queue.Update(j.ID, func(q *Job) { q.State, q.Attempts, q.LastError = StateGaveUp, q.Attempts+1, cause.Error() })
	if err != nil {
		r.logf("relay: %v", err)
	}
}

// maxDeliveries bounds the tries at delivering an outbox result (about
// an hour and a half with backoff). The relay's own signatures are for
// nodes it saw locked out a moment ago and are retried without end.
const maxDeliveries = 25

// deliver hands a result to the tailnet: AUMs through tailscaled
// (submitAUMs), a node-key signature to control over this node's noise
// connection (GET /machine/tka/sign; control accepts no POST there). It
// reports whether the result went out.
func (r *Relay) deliver(ctx context.Context, j Job) bool {
	var err error
	if len(j.AUMs) > 0 {
		err = r.submitAUMs(ctx, j.AUMs)
	} else {
		err = r.submitSignature(ctx, j.Signature)
	}
	if err != nil {
		r.deliveryFailed(j, err)
		return false
	}
	r.logf("relay: delivered %s to control", j.ID)
	if j.Unreported {
		// The box would refuse the report: nothing was released under
		// this ID. Done, so a node still locked out is delivered again.
		if err := r.queue.Update(j.ID, func(q *Job) { q.State, q.Attempts, q.NextTry, q.DoneAt = StateDone, 0, time.Time{}, r.now() }); err != nil {
			r.logf("relay: %v", err)
		}
		return true
	}
	if err := r.queue.Update(j.ID, func(q *Job) { q.State, q.Attempts, q.NextTry = StateReport, 0, time.Time{} }); err != nil {
		r.logf("relay: %v", err)
	}
	r.metrics.delivery(deliveryKind(j))
	r.Notify.delivered(j)
	r.report(ctx, j)
	return true
}

func (r *Relay) submitSignature(ctx context.Context, sigHex string) error {
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return fmt.Errorf("the queued signature is not hex: %w", err)
	}
	self, err := r.lc.StatusWithoutPeers(ctx)
	if err != nil || self.Self == nil {
		return fmt.Errorf("reading this node's key: %v", err)
	}
	body, err := json.Marshal(tailcfg.TKASubmitSignatureRequest{
		Version: tailcfg.CurrentCapabilityVersion, NodeKey: self.Self.PublicKey, Signature: sig})
	if err != nil {
		return err
	}
	rt := r.ts.Sys().NoiseRoundTripper.Get()
	if rt == nil {
		return fmt.Errorf("no noise connection to control yet")
	}
	req, err := http.NewRequestWithContext(ctx, "GET", "https://unused/machine/tka/sign", bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("submitting the signature to control: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("control refused the signature: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// report tells the box the result reached the tailnet. It reports
// whether the box took the report.
func (r *Relay) report(ctx context.Context, j Job) bool {
	err := r.box.Delivered(ctx, reportVia(j))
	if err != nil {
		r.retry(j.ID, err)
		return false
	}
	if err := r.queue.Update(j.ID, func(q *Job) { q.State, q.Attempts, q.NextTry, q.DoneAt = StateDone, 0, time.Time{}, r.now() }); err != nil {
		r.logf("relay: %v", err)
	}
	return true
}

// forwardAUMs sends the box the AUMs the tailnet has past the box's
// head, oldest first. The box verifies them before storing.
func (r *Relay) forwardAUMs(ctx context.Context, st *ipnstate.TailnetLockStatus, bs *api.StatusInfo) error {
	if st.Head == nil {
		return nil
	}
	if tka.AUMHash(*st.Head).String() == bs.Head {
		return nil
	}
	log, err := r.lc.NetworkLockLog(ctx, 1000)
	if err != nil {
		return fmt.Errorf("reading the tailnet's lock log: %w", err)
	}
	var newer []string // newest first
	for _, u := range log {
		if tka.AUMHash(u.Hash).String() == bs.Head {
			break
		}
		newer = append(newer, hex.EncodeToString(u.Raw))
	}
	if len(newer) == len(log) {
		if r.pendingAUMs() {
			return nil // the box is ahead until its AUMs are delivered
		}
		return fmt.Errorf("the box's head %s is not in the tailnet's last %d AUMs; import the chain on the box", bs.Head, len(log))
	}
	if len(newer) == 0 {
		return nil // the status and the log were read a moment apart
	}
	for i, k := 0, len(newer)-1; i < k; i, k = i+1, k-1 {
		newer[i], newer[k] = newer[k], newer[i]
	}
	head, err := r.box.Inform(ctx, newer)
	if err != nil {
		return err
	}
	r.logf("relay: forwarded %d AUMs; the box's head is now %s", len(newer), head)
	return nil
}
