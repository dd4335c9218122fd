package relay

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
)

// An outbox result control keeps refusing is given up after
// maxDeliveries tries; the relay's own requests are retried without end.
func TestDeliveryGivesUpOnOutboxResults(t *testing.T) {
	q, err := OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{queue: q, logf: t.Logf, now: time.Now}
	jobs := []Job{
		{ID: "sig/old-1/ab", Request: "old-1", NodeKey: "nodekey:ab", Signature: "00", State: StateDeliver},
		{ID: "sn-own", NodeKey: "nodekey:cd", Signature: "00", State: StateDeliver},
	}
	for _, j := range jobs {
		if _, err := q.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	refused := errors.New("control refused the signature: 500")
	for i := range maxDeliveries + 5 {
		for _, id := range []string{"sig/old-1/ab", "sn-own"} {
			j, _ := q.Get(id)
			if j.State != StateDeliver {
				continue
			}
			r.deliveryFailed(j, refused)
		}
		out, _ := q.Get("sig/old-1/ab")
		if want := i+1 >= maxDeliveries; (out.State == StateGaveUp) != want {
			t.Fatalf("after %d refusals the outbox job is %s (%d attempts)", i+1, out.State, out.Attempts)
		}
	}
	own, _ := q.Get("sn-own")
	if own.State != StateDeliver || own.Attempts != maxDeliveries+5 {
		t.Fatalf("the relay's own job: %s after %d attempts, want deliver after %d", own.State, own.Attempts, maxDeliveries+5)
	}
	// Given up survives a restart and is not added again.
	q2, err := OpenQueue(filepath.Dir(q.path))
	if err != nil {
		t.Fatal(err)
	}
	if added, _ := q2.Add(Job{ID: "sig/old-1/ab", Request: "old-1", State: StateDeliver}); added {
		t.Fatal("a job given up was queued again after a restart")
	}
	if j, _ := q2.Get("sig/old-1/ab"); j.State != StateGaveUp || j.LastError != refused.Error() {
		t.Fatalf("after a restart the job is %+v", j)
	}
}

// A node still locked out after its signature was delivered gets the
// signature again, after 10 s, then 20 s, 40 s...; never more than
// maxRedeliveries times, and never before its delivery was reported.
func TestRedeliveryWhileStillLockedOut(t *testing.T) {
	q, err := OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	r := &Relay{queue: q, logf: t.Logf, now: func() time.Time { return now }}
	const id = "sn-still-locked"
	if _, err := q.Add(Job{ID: id, NodeKey: "nodekey:ef", Signature: "00", State: StateReport}); err != nil {
		t.Fatal(err)
	}
	r.redeliverIfStillLocked(id, "node")
	if j, _ := q.Get(id); j.State != StateReport {
		t.Fatalf("a job not yet reported was moved to %s", j.State)
	}
	done := func() {
		if err := q.Update(id, func(j *Job) { j.State, j.DoneAt = StateDone, now }); err != nil {
			t.Fatal(err)
		}
	}
	done()
	for n := range maxRedeliveries + 2 {
		wait := redeliverAfter << min(n, maxRedeliveries)
		now = now.Add(wait - time.Second)
		r.redeliverIfStillLocked(id, "node")
		if j, _ := q.Get(id); j.State != StateDone {
			t.Fatalf("redelivery %d came %v early", n+1, time.Second)
		}
		now = now.Add(time.Second)
		r.redeliverIfStillLocked(id, "node")
		j, _ := q.Get(id)
		if want := n < maxRedeliveries; (j.State == StateDeliver) != want {
			t.Fatalf("after %v more: state %s with %d redeliveries", wait, j.State, j.Redeliveries)
		}
		done()
	}
}

// A request the box approved and then failed to sign (status failed) is
// final, like a denial: the relay records it and does not ask again.
func TestFailedSigningIsFinal(t *testing.T) {
	asked := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		json.NewEncoder(w).Encode(api.Response{ID: "sn-1", Status: api.StatusFailed,
			Error: "approved, but signing failed; nothing was signed or released: gave up after 3 refused PINs"})
	}))
	defer srv.Close()
	q, err := OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{queue: q, box: &Box{c: api.NewClient(dialTo(srv.Listener.Addr().String()), api.Options{Server: "the box"})}, logf: t.Logf, now: time.Now}
	j := Job{ID: "sn-1", NodeKey: "nodekey:ab"}
	if _, err := q.Add(j); err != nil {
		t.Fatal(err)
	}
	r.ask(context.Background(), j)
	got, _ := q.Get("sn-1")
	if got.State != StateDenied || !strings.Contains(got.LastError, "gave up after 3 refused PINs") || asked != 1 {
		t.Fatalf("after a failed answer the job is %+v (asked %d times), want denied with the reason", got, asked)
	}
}

// dialTo dials addr over TCP: the API client of a test server.
func dialTo(addr string) api.Dialer {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}
