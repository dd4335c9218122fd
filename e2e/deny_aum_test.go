package e2e

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	tstka "tailscale.com/tka"
	"tailscale.com/types/tkatype"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// A node the console denies stays locked out: unsigned, unreachable, and
// the relay does not ask again.
func TestDeniedNodeStaysLockedOut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w := newWorld(t, ctx)
	n3 := startNode(t, ctx, w.controlURL, "node3")
	id := relay.JobID(n3.key)
	w.console.denyID(id)
	wakeAll(w.control)
	q := w.runRelay(t, ctx)
	eventually(t, 60*time.Second, "the relay to hear the box's denial", func() bool {
		wakeAll(w.control)
		j, ok := q.Get(id)
		return ok && j.State == relay.StateDenied
	})
	// Watch for a while: the node must stay locked out.
	end := time.Now().Add(4 * time.Second)
	for time.Now().Before(end) {
		wakeAll(w.control)
		if !w.filtered(ctx, n3.key) {
			t.Fatal("node1 stopped filtering the denied node3")
		}
		if err := ping(ctx, w.lc1, n3.ip, 500*time.Millisecond); err == nil {
			t.Fatal("node1 reached the denied node3")
		}
	}
	j, _ := q.Get(id)
	if j.State != relay.StateDenied || j.Attempts != 0 || j.Signature != "" {
		t.Errorf("the relay's job after a denial: %+v", j)
	}
	if n := w.console.reviews(id); n != 1 {
		t.Errorf("the console saw the denied request %d times, want 1 (a denial is not retried)", n)
	}
	w.watch.checkDenied(t, ctx, n3.key)
	types := w.box.records(id)
	if fmt.Sprint(types) != fmt.Sprint([]signer.RecordType{signer.RecReceived, signer.RecDecision}) {
		t.Errorf("journal for the denied %s = %v, want received, decision", id, types)
	}
	w.box.journal.Scan(func(r signer.Record) error {
		if r.RequestID == id && r.Type == signer.RecDecision && r.Outcome != signer.OutcomeDenied {
			t.Errorf("decision outcome %q, want denied", r.Outcome)
		}
		return nil
	})
}

// An AUM the box makes (add a key) is accepted over the chain the nodes
// hold, and the same AUM signed by a key the tailnet does not trust is
// refused: node1's lock log (the raw AUMs the nodes hold) is replayed into
// a tailscale.com/tka Authority and the AUMs are Informed on top of it,
// what a node does with an AUM it syncs. TestRelayDeliversBoxAUM shows
// the delivery itself, through control.
func TestBoxAUMAcceptedOverNodesChain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w := newWorld(t, ctx)

	newPub, _, _ := ed25519.GenerateKey(nil)
	resp, err := w.boxWG.Ask(ctx, &api.Request{ID: "add-1", Kind: api.KindAddKey, Key: tka.FormatTLPub(newPub), Votes: 1})
	if err != nil || resp.Status != api.StatusSigned || len(resp.AUMs) != 1 {
		t.Fatalf("asking the box to add a key: %v %+v", err, resp)
	}
	boxAUM := decodeTSAUM(t, resp.AUMs[0])

	// The nodes' chain, from node1's log (newest first).
	var chain []tstka.AUM
	for i := len(w.log) - 1; i >= 0; i-- {
		var a tstka.AUM
		if err := a.Unserialize(w.log[i].Raw); err != nil {
			t.Fatal(err)
		}
		chain = append(chain, a)
	}
	nodeView := func() (*tstka.Authority, tstka.Chonk) {
		st := tstka.ChonkMem()
		a, err := tstka.Bootstrap(st, chain[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(chain) > 1 {
			if err := a.Inform(st, chain[1:]); err != nil {
				t.Fatal(err)
			}
		}
		return a, st
	}
	auth, st := nodeView()
	if auth.KeyTrusted(tkatype.KeyID(newPub)) {
		t.Fatal("the new key is trusted before the AUM")
	}
	if err := auth.Inform(st, []tstka.AUM{boxAUM}); err != nil {
		t.Fatalf("the nodes' chain refuses the box's AUM: %v", err)
	}
	if !auth.KeyTrusted(tkatype.KeyID(newPub)) {
		t.Fatal("the box's AUM was taken but the new key is not trusted")
	}
	bs, err := w.boxWG.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := tka.AUMHash(auth.Head()).String(); got != bs.Head {
		t.Errorf("the nodes' head after the AUM is %s, the box's is %s", got, bs.Head)
	}

	// The same AUM signed by a key the tailnet does not trust is refused:
	// the check above could fail.
	_, strangerPriv, _ := ed25519.GenerateKey(nil)
	forged := boxAUM
	forged.Signatures = nil
	sh := forged.SigHash()
	forged.Signatures = []tkatype.Signature{{KeyID: tkatype.KeyID(strangerPriv.Public().(ed25519.PublicKey)), Signature: ed25519.Sign(strangerPriv, sh[:])}}
	auth2, st2 := nodeView()
	if err := auth2.Inform(st2, []tstka.AUM{forged}); err == nil {
		t.Fatal("the nodes' chain took an AUM signed by an untrusted key")
	}
}

func decodeTSAUM(t *testing.T, h string) tstka.AUM {
	t.Helper()
	raw, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var a tstka.AUM
	if err := a.Unserialize(raw); err != nil {
		t.Fatalf("the box's AUM does not decode with tailscale.com/tka: %v", err)
	}
	return a
}
