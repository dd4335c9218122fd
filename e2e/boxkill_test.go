package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/signer"
)

// The real `signet serve` binary killed with SIGKILL at random points
// while nodes are locked out, reviewed, signed on the TPM, delivered and
// reported, then restarted on the same state directory (after 'signet
// journal repair' when the journal has a torn tail): every approved
// signature is delivered, each request id is issued once and journaled
// "delivered" once, and the journal verifies.
func TestBoxBinaryKill9(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	start := time.Now()
	w := newBinWorld(t, ctx)
	bp := w.bp
	bp.launch(true)
	q, err := relay.OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// One relay, one tunnel, for the whole run, as in the field: after each
	// kill its probe finds the box silent and starts a new WireGuard
	// handshake, and when the restarted box answers with a new boot value
	// it drops the asks that were in flight to the dead one and asks again.
	w.startRelay(t, ctx, q)

	var ids []string
	var nodes []*node
	done := func() int {
		n := 0
		for _, id := range ids {
			if j, ok := q.Get(id); ok && j.State == relay.StateDone {
				n++
			}
		}
		return n
	}
	// Each cycle aims its kill at one stage of the delivery, in turn: just
	// asked (the request on its way to the console), signed and being
	// delivered, delivered and being reported, all done. The relay's state
	// is polled every millisecond; a stage passed faster than that is
	// killed in the next one (the log says which was hit).
	aims := []relay.State{relay.StateAsk, relay.StateDeliver, relay.StateReport, relay.StateDone}
	order := map[relay.State]int{relay.StateAsk: 0, relay.StateDeliver: 1, relay.StateReport: 2, relay.StateDone: 3}
	hit := map[relay.State]int{}
	kills, repairs := 0, 0
	for i := range 8 {
		n := startNode(t, ctx, w.controlURL, fmt.Sprintf("locked%d", i))
		nodes = append(nodes, n)
		ids = append(ids, relay.JobID(n.key))
		id := ids[len(ids)-1]
		aim := aims[i%len(aims)]
		tJoin := time.Now()
		for tries := 0; ; tries++ {
			if j, ok := q.Get(id); ok && order[j.State] >= order[aim] {
				break
			}
			if time.Since(tJoin) > 90*time.Second {
				t.Fatalf("the relay did not reach %s for %s in 90 s", aim, n.ts.Hostname)
			}
			if tries%100 == 0 {
				wakeAll(w.control)
			}
			time.Sleep(time.Millisecond)
		}
		if aim == relay.StateAsk {
			time.Sleep(time.Duration(rand.IntN(80)) * time.Millisecond)
		}
		t.Logf("cycle %d: %s reached %s %v after it joined", i+1, n.ts.Hostname, aim, time.Since(tJoin).Round(time.Millisecond))
		j, _ := q.Get(id)
		bp.kill9()
		kills++
		hit[j.State]++
		t.Logf("kill %d: %s was in relay state %q, approved on the console: %v", kills, n.ts.Hostname, j.State, bp.op.WasApproved(id))
		if out, err := bp.signet("journal", "verify"); err != nil {
			t.Logf("kill %d: journal verify: %v: %s", kills, err, strings.TrimSpace(out))
			if out, err := bp.signet("journal", "repair"); err != nil {
				t.Fatalf("signet journal repair: %v\n%s", err, out)
			}
			repairs++
			if out, err := bp.signet("journal", "verify"); err != nil {
				t.Fatalf("the journal does not verify after repair: %v\n%s", err, out)
			}
		}
		t.Logf("kill %d: %d of %d requests delivered and reported", kills, done(), len(ids))
		bp.launch(true)
	}
	t0 := time.Now()
	eventually(t, 180*time.Second, "every node's signature delivered and reported", func() bool {
		wakeAll(w.control)
		return done() == len(ids)
	})
	t.Logf("all %d delivered %v after the last restart", len(ids), time.Since(t0))
	for _, n := range nodes {
		eventually(t, 30*time.Second, "node1 to see "+n.ts.Hostname+" signed", func() bool {
			wakeAll(w.control)
			return !w.filtered(ctx, n.key)
		})
	}
	last := nodes[len(nodes)-1]
	eventually(t, 30*time.Second, "node1 to ping "+last.ts.Hostname, func() bool {
		return ping(ctx, w.lc1, last.ip, 2*time.Second) == nil
	})
	time.Sleep(2 * time.Second) // a report repeated after a restart: harmless
	bp.stop()

	recs := bp.journalRecords()
	for _, id := range ids {
		count := map[signer.RecordType]int{}
		for _, r := range recs[id] {
			count[r]++
		}
		if count[signer.RecIssued] != 1 || count[signer.RecDelivered] != 1 {
			t.Errorf("%s: %d issued and %d delivered records, want 1 each: %v", id, count[signer.RecIssued], count[signer.RecDelivered], recs[id])
		}
	}
	if out, err := bp.signet("journal", "verify"); err != nil {
		t.Errorf("signet journal verify: %v\n%s", err, out)
	}
	t.Logf("FIGURE e2e_box_kill9_kills %d kills (relay state at the kill: %v)", kills, hit)
	t.Logf("FIGURE e2e_box_kill9_repairs %d repairs", repairs)
	t.Logf("FIGURE e2e_box_kill9_total %.1f s", time.Since(start).Seconds())
}

// startRelay runs a relay in this process on queue q over the relay's
// tunnel until the test ends.
func (w *binWorld) startRelay(t *testing.T, ctx context.Context, q *relay.Queue) {
	r, err := relay.New(w.rn.ts, relay.NewBox(w.boxTun, netip.MustParseAddrPort("10.77.0.1:80")), q, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	r.Poll = 200 * time.Millisecond
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); r.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done })
}
