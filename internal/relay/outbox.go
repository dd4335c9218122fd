package relay

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/signetbox/signet/api"
	tstka "tailscale.com/tka"
	"tailscale.com/types/key"
)

// viaSubmitAUM names how AUMs reach the tailnet, for the box's journal.
const viaSubmitAUM = "LocalClient TailnetLockSubmitRecoveryAUM"

// pullOutbox queues every result the box released but has not heard
// delivered: AUMs the console approved, and node-key signatures asked for
// elsewhere (at the box's shell, a batch). Results of the relay's own
// requests are already jobs.
func (r *Relay) pullOutbox(ctx context.Context) error {
	ob, err := r.box.Outbox(ctx)
	if err != nil {
		return fmt.Errorf("reading the box's outbox: %w", err)
	}
	base := r.now().UnixNano()
	for i, it := range ob.Items {
		j := Job{Request: it.ID, State: StateDeliver, Seq: base + int64(i)}
		switch {
		case len(it.AUMs) > 0:
			j.ID, j.AUMs = "aum/"+it.ID, it.AUMs
		case it.NodeKey != "" && it.Signature != "":
			if ownJob(it) {
				continue
			}
			j.ID, j.NodeKey, j.Signature = "sig/"+it.ID+"/"+strings.TrimPrefix(it.NodeKey, "nodekey:"), it.NodeKey, it.Signature
		default:
			continue
		}
		added, err := r.queue.Add(j)
		if err != nil {
			return err
		}
		if added {
			r.logf("relay: the box's outbox has %s; delivering", j.ID)
		}
	}
	return nil
}

// ownJob reports whether an outbox item answers one of the relay's own
// requests (its ID is derived from the node key).
func ownJob(it api.OutboxItem) bool {
	var nk key.NodePublic
	return nk.UnmarshalText([]byte(it.NodeKey)) == nil && JobID(nk) == it.ID
}

// pendingAUMs reports whether AUMs the box signed still wait for
// delivery: until then the box's head is ahead of the tailnet's.
func (r *Relay) pendingAUMs() bool {
	return r.queue.Any(func(j *Job) bool { return len(j.AUMs) > 0 && j.State == StateDeliver })
}

// submitAUMs hands each AUM, in chain order, to this node's tailscaled,
// which sends it to control (/machine/tka/sync/send). Control stores an
// AUM only if it extends the chain and enough trusted keys signed it; an
// AUM it already has is accepted again, so a retry is harmless.
func (r *Relay) submitAUMs(ctx context.Context, aums []string) error {
	for i, h := range aums {
		raw, err := hex.DecodeString(h)
		if err != nil {
			return fmt.Errorf("queued AUM %d is not hex: %w", i, err)
		}
		var a tstka.AUM
		if err := a.Unserialize(raw); err != nil {
			return fmt.Errorf("queued AUM %d does not decode: %w", i, err)
		}
		if err := r.lc.TailnetLockSubmitRecoveryAUM(ctx, a); err != nil {
			return fmt.Errorf("submitting AUM %d (%s) to control: %w", i, a.Hash(), err)
		}
	}
	return nil
}

// reportVia says how job j reached the tailnet.
func reportVia(j Job) api.DeliveredRequest {
	if len(j.AUMs) > 0 {
		return api.DeliveredRequest{ID: j.requestID(), Via: viaSubmitAUM}
	}
	return api.DeliveredRequest{ID: j.requestID(), NodeKey: j.NodeKey, Via: "control /machine/tka/sign"}
}
