package signer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
)

// Labels as Peer.String makes them.
const (
	aliceLabel  = "alice (uid 1000) pid 4242 [signet]"
	alice2Label = "uid 1000 pid 777 [curl]" // another process of alice's
	bobLabel    = "bob (uid 1001) pid 5151 [python3]"
	relayA      = "wireguard:relay-a"
	relayB      = "wireguard:relay-b"
)

// signAs has requester sign node key nk under request id.
func (f *fixture) signAs(t testing.TB, id string, nk byte, requester string) string {
	t.Helper()
	n := nodeKey(nk).String()
	if r := f.svc.Handle(context.Background(), &api.Request{ID: id, Kind: api.KindSignNode, NodeKey: n}, requester); r.Status != api.StatusSigned {
		t.Fatalf("sign %s: %s %s", id, r.Status, r.Error)
	}
	return n
}

// delivered counts the delivered records of request id.
func (f *fixture) delivered(t *testing.T, id string) int {
	n := 0
	for _, ty := range f.journalTypes(t, id) {
		if ty == RecDelivered {
			n++
		}
	}
	return n
}

// Each forged report is refused, journals nothing and leaves the result
// in the outbox; the rightful reporter's report is taken.
func TestDeliveredForgeries(t *testing.T) {
	f := newFixture(t)
	aliceNK := f.signAs(t, "alice-1", 1, aliceLabel)
	relayNK := f.signAs(t, "relay-a-1", 2, relayA)
	cases := []struct {
		name, reporter, id, nodeKey, want string
	}{
		{"another uid reports alice's result", bobLabel, "alice-1", aliceNK, "uid 1001 may not report"},
		{"a local uid reports a relay's result", aliceLabel, "relay-a-1", relayNK, "uid 1000 may not report"},
		{"another relay reports relay a's result", relayB, "relay-a-1", relayNK, "wireguard:relay-b may not report"},
		{"a node key the request did not sign", relayA, "relay-a-1", nodeKey(3).String(), "released no signature for"},
		{"no node key for a signature", relayA, "relay-a-1", "", "released no AUMs"},
		{"a node key that does not parse", aliceLabel, "alice-1", "nodekey:zz", "node_key:"},
		{"an id the box never released", relayA, "nothing-1", "", "released nothing"},
	}
	for _, c := range cases {
		_, err := f.svc.Delivered(api.DeliveredRequest{ID: c.id, NodeKey: c.nodeKey, Via: "forged"}, c.reporter)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if n := f.delivered(t, "alice-1") + f.delivered(t, "relay-a-1"); n != 0 {
		t.Fatalf("forged reports journaled %d delivered records", n)
	}
	if got := outboxIDs(f.svc); len(got) != 2 {
		t.Fatalf("forged reports emptied the outbox: %q", got)
	}
	// The rightful reports: alice (any process of hers) for her own, a
	// relay for a local request, relay a for its own.
	for _, ok := range []struct{ reporter, id, nk string }{
		{alice2Label, "alice-1", aliceNK},
		{relayA, "relay-a-1", relayNK},
	} {
		if _, err := f.svc.Delivered(api.DeliveredRequest{ID: ok.id, NodeKey: ok.nk, Via: "test"}, ok.reporter); err != nil {
			t.Fatalf("%s reporting %s: %v", ok.reporter, ok.id, err)
		}
	}
	bobNK := f.signAs(t, "bob-1", 4, bobLabel)
	if _, err := f.svc.Delivered(api.DeliveredRequest{ID: "bob-1", NodeKey: bobNK, Via: "test"}, relayB); err != nil {
		t.Fatalf("a relay reporting a local request's result: %v", err)
	}
	if got := outboxIDs(f.svc); len(got) != 0 {
		t.Fatalf("outbox after the rightful reports: %q", got)
	}
}

// Reports count against the reporter's rate like requests: a flood of
// them is refused after RatePerMinute, whether or not they journal.
func TestDeliveredRateLimited(t *testing.T) {
	f := newFixture(t)
	nk := f.signAs(t, "r-1", 1, relayA)
	refused := 0
	for i := range DefaultPolicy.RatePerMinute + 40 {
		_, err := f.svc.Delivered(api.DeliveredRequest{ID: "r-1", NodeKey: nk, Via: fmt.Sprint("flood ", i)}, relayA)
		if err != nil {
			if !strings.Contains(err.Error(), "delivered requests in a minute") {
				t.Fatalf("report %d: %v", i, err)
			}
			refused++
		}
	}
	if refused != 40 {
		t.Fatalf("%d of %d reports refused, want 40", refused, DefaultPolicy.RatePerMinute+40)
	}
	if n := f.delivered(t, "r-1"); n != 1 {
		t.Fatalf("%d delivered records, want 1", n)
	}
	// Requests keep their own allowance.
	f.signAs(t, "r-2", 2, relayA)
}
