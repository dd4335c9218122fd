package tka_test

import (
	"bytes"
	"testing"

	"tailscale.com/cmd/tailscale/cli/jsonoutput"
	"tailscale.com/ipn/ipnstate"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

// TestLogJSONMatchesTailscale compares MarshalLogJSON (`signet log
// --json`) with the JSON
// tailscale.com prints for `tailscale lock log --json`, byte for byte,
// over a chain with every AUM kind.
func TestLogJSONMatchesTailscale(t *testing.T) {
	c, err := chaingen.Build(120, nil)
	if err != nil {
		t.Fatal(err)
	}
	aums := append([]*tka.AUM{c.Genesis}, c.Updates...)
	kinds := map[tka.AUMKind]bool{}
	updates := make([]ipnstate.TailnetLockUpdate, len(aums))
	for i, u := range aums {
		kinds[u.MessageKind] = true
		updates[i] = ipnstate.TailnetLockUpdate{Hash: u.Hash(), Change: u.MessageKind.String(), Raw: u.Serialize()}
	}
	if len(kinds) != 5 {
		t.Fatalf("the chain has %d AUM kinds, want all 5", len(kinds))
	}
	var want bytes.Buffer
	if err := jsonoutput.PrintTailnetLockLogJSONV1(&want, updates); err != nil {
		t.Fatal(err)
	}
	got, err := tka.MarshalLogJSON(aums)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("signet log --json differs from tailscale lock log --json:\n%s", firstDiff(string(got), want.String()))
	}
	back, err := tka.ParseLogJSON(got)
	if err != nil || len(back) != len(aums) {
		t.Fatalf("ParseLogJSON read back %d AUMs, %v", len(back), err)
	}
}

// firstDiff shows where two texts part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "signet:    ..." + a[lo:min(len(a), i+100)] + "\ntailscale: ..." + b[lo:min(len(b), i+100)]
}

// An empty log is the document with no messages, as tailscale prints it.
func TestLogJSONEmpty(t *testing.T) {
	var want bytes.Buffer
	if err := jsonoutput.PrintTailnetLockLogJSONV1(&want, nil); err != nil {
		t.Fatal(err)
	}
	got, err := tka.MarshalLogJSON(nil)
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("MarshalLogJSON(nil) = %q, %v; tailscale prints %q", got, err, want.String())
	}
}
