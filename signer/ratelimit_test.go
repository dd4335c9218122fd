package signer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
)

// Every label Peer.String gives a local process maps back to its uid, so
// all processes of one uid share one allowance; other labels are their
// own principal.
func TestRateKey(t *testing.T) {
	for _, p := range []Peer{
		{UID: 1000, PID: 4242},
		{UID: 0, PID: 1},
		{UID: -1, PID: -1},
		{UID: 65534, PID: 99999999},
		{Name: "wireguard:relay"},
	} {
		if got := rateKey(p.String()); got != p.key() {
			t.Errorf("rateKey(%q) = %q, want %q", p.String(), got, p.key())
		}
	}
	for label, want := range map[string]string{
		"alice (uid 1000) pid 7 [a?b]":   "uid 1000",
		"uid 12 pid 7":                   "uid 12",
		"uid 12 pid 7 [x] uid 0 pid 1":   "uid 12 pid 7 [x] uid 0 pid 1", // not a label Peer makes
		"wireguard:uid 0 pid 1":          "wireguard:uid 0 pid 1",
		"tester":                         "tester",
		"eve (uid 0) pid 3 [sh] (uid 5)": "eve (uid 0) pid 3 [sh] (uid 5)",
	} {
		if got := rateKey(label); got != want {
			t.Errorf("rateKey(%q) = %q, want %q", label, got, want)
		}
	}
}

// A new process gets no fresh allowance: requests from many pids of one
// uid share the uid's RatePerMinute.
func TestRateSharedByUID(t *testing.T) {
	f := newFixture(t)
	refused := 0
	for i := range DefaultPolicy.RatePerMinute + 10 {
		who := Peer{UID: 1000, PID: 10000 + i}.String()
		req := &api.Request{ID: fmt.Sprint("p", i), Kind: api.KindRemoveKey, Key: "tlpub:" + strings.Repeat("ab", 32)}
		if r := f.svc.Handle(context.Background(), req, who); strings.Contains(r.Error, "requests in a minute") {
			refused++
		}
	}
	if refused != 10 {
		t.Fatalf("%d requests from new processes of one uid refused, want 10", refused)
	}
}

// The rate table stays bounded however many principals call; after a
// quiet minute it has room again.
func TestRateTableBounded(t *testing.T) {
	f := newFixture(t)
	now := time.Unix(1e9, 0)
	f.svc.now = func() time.Time { return now }
	f.svc.mu.Lock()
	defer f.svc.mu.Unlock()
	refused := 0
	for i := range maxRateKeys + 100 {
		if f.svc.rateCheck(fmt.Sprint("peer-", i)) != nil {
			refused++
		}
	}
	if len(f.svc.rates) > maxRateKeys || refused != 100 {
		t.Fatalf("%d principals kept (max %d), %d refused (want 100)", len(f.svc.rates), maxRateKeys, refused)
	}
	now = now.Add(time.Minute)
	if err := f.svc.rateCheck("late"); err != nil || len(f.svc.rates) != 1 {
		t.Fatalf("after a quiet minute: %v, %d principals kept", err, len(f.svc.rates))
	}
}
