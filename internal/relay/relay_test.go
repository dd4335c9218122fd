package relay

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
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
