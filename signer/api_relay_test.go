package signer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
)

// A delivery reported twice (a relay killed after the box answered but
// before it saved "done") is journaled once. Node keys are 72 characters,
// longer than the journal's short form: the comparison must see that.
func TestDeliveredJournaledOnce(t *testing.T) {
	f := newFixture(t)
	nk := nodeKey(7).String()
	if r := f.svc.Handle(context.Background(), &api.Request{ID: "d1", Kind: api.KindSignNode, NodeKey: nk}, "relay"); r.Status != api.StatusSigned {
		t.Fatalf("status %s: %s", r.Status, r.Error)
	}
	for i, wantAlready := range []bool{false, true, true} {
		already, err := f.svc.Delivered(api.DeliveredRequest{ID: "d1", NodeKey: nk, Via: "test"}, "relay")
		if err != nil || already != wantAlready {
			t.Fatalf("report %d: already=%v err=%v, want already=%v", i, already, err, wantAlready)
		}
	}
	n := 0
	for _, ty := range f.journalTypes(t, "d1") {
		if ty == RecDelivered {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d delivered records, want 1", n)
	}
	if _, err := f.svc.Delivered(api.DeliveredRequest{ID: "never", NodeKey: nk}, "relay"); err == nil {
		t.Fatal("a delivery of a request the box never released must be refused")
	}
}

// SetRequesterRate raises one requester's limit and leaves the others'.
func TestRequesterRate(t *testing.T) {
	f := newFixture(t)
	f.svc.SetRequesterRate("wireguard:relay", 200)
	send := func(who string, n int) (refused int) {
		for i := range n {
			req := &api.Request{ID: fmt.Sprintf("%s-%d", strings.ReplaceAll(who, ":", "-"), i), Kind: api.KindSignNode, NodeKey: nodeKey(byte(i)).String()}
			if r := f.svc.Handle(context.Background(), req, who); r.Status == api.StatusError && strings.Contains(r.Error, "requests in a minute") {
				refused++
			}
		}
		return refused
	}
	if n := send("wireguard:relay", 100); n != 0 {
		t.Fatalf("the relay was refused %d of 100 requests under a limit of 200", n)
	}
	if n := send("someone", DefaultPolicy.RatePerMinute+5); n != 5 {
		t.Fatalf("another requester was refused %d times, want 5", n)
	}
}
