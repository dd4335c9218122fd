package signer

import (
	"strings"
	"testing"

	"github.com/signetbox/signet/tka"
)

// A refused POST /v1/aums journals its refusal and nothing else: no note
// that AUMs are about to be stored, since none are.
func TestRefusedInformJournalsOnlyTheRefusal(t *testing.T) {
	fx := newFixture(t)
	other := newFixture(t)
	foreign, err := other.store.AUM(other.svc.Authority().Oldest())
	if err != nil {
		t.Fatal(err)
	}
	before, _ := fx.svc.journal.Last()
	if _, err := fx.svc.Inform([]string{tka.FormatHexAUM(foreign)}, "wireguard:test"); err == nil {
		t.Fatal("another authority's genesis was accepted")
	}
	after, _ := fx.svc.journal.Last()
	if after.Seq != before.Seq+1 || after.Type != RecNote || !strings.HasPrefix(after.Detail[DetailMessage], "refused AUMs") {
		t.Fatalf("journal after a refused inform: %d new records, last %+v; want the refusal note alone", after.Seq-before.Seq, after)
	}
}
