package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"tailscale.com/client/local"
	tstka "tailscale.com/tka"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// An AUM the box makes (add a key, approved on its console) reaches the
// nodes through the relay: the relay finds it in the box's outbox,
// submits it with LocalClient's TailnetLockSubmitRecoveryAUM, control
// (with the sync/send handling this package adds) stores it, every node
// syncs it and trusts the new key, and the box journals "delivered".
// The AUM was also submitted by hand before the relay started: a
// duplicate delivery is harmless.
func TestRelayDeliversBoxAUM(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w := newWorld(t, ctx)

	newPub, _, _ := ed25519.GenerateKey(nil)
	const id = "add-1"
	resp := w.box.svc.Handle(ctx, &api.Request{ID: id, Kind: api.KindAddKey, Key: tka.FormatTLPub(newPub), Votes: 1}, "uid:0")
	if resp.Status != api.StatusSigned || len(resp.AUMs) != 1 {
		t.Fatalf("asking the box to add a key: %+v", resp)
	}
	lc2, _ := w.rn.ts.LocalClient()
	if err := lc2.TailnetLockSubmitRecoveryAUM(ctx, decodeTSAUM(t, resp.AUMs[0])); err != nil {
		t.Fatalf("submitting the AUM by hand first: %v", err)
	}

	t0 := time.Now()
	q := w.runRelay(t, ctx)
	eventually(t, 60*time.Second, "the relay to deliver the box's AUM and the box to journal it", func() bool {
		j, ok := q.Get("aum/" + id)
		return ok && j.State == relay.StateDone
	})
	t.Logf("FIGURE e2e_aum_delivery %.2f s", time.Since(t0).Seconds())

	bs, err := w.boxWG.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{w.n1, w.rn} {
		lc, _ := n.ts.LocalClient()
		eventually(t, 30*time.Second, "every node to trust the new key at the box's head", func() bool {
			wakeAll(w.control)
			return trusts(ctx, lc, newPub) && headOf(ctx, lc) == bs.Head
		})
	}
	types := w.box.records(id)
	want := []signer.RecordType{signer.RecReceived, signer.RecDecision, signer.RecIssued, signer.RecReleased, signer.RecDelivered}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("journal for %s = %v, want %v", id, types, want)
	}
	if items, more := w.box.svc.Outbox(0); len(items) != 0 || more != 0 {
		t.Errorf("the box's outbox still lists %d items after delivery: %+v", len(items)+more, items)
	}
	w.watch.checkAUMDelivered(t, ctx)
}

// trusts reports whether lc's node trusts the tailnet lock key pub.
func trusts(ctx context.Context, lc *local.Client, pub ed25519.PublicKey) bool {
	st, err := lc.TailnetLockStatus(ctx)
	if err != nil {
		return false
	}
	for _, k := range st.TrustedKeys {
		if bytes.Equal(k.Key.Verifier(), pub) {
			return true
		}
	}
	return false
}

// headOf is lc's node's tailnet lock head, as signet prints AUM hashes.
func headOf(ctx context.Context, lc *local.Client) string {
	st, err := lc.TailnetLockStatus(ctx)
	if err != nil || st.Head == nil {
		return ""
	}
	return tka.AUMHash(tstka.AUMHash(*st.Head)).String()
}
