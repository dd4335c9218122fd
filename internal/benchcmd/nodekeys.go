package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hdevalence/ed25519consensus"
	"go4.org/mem"
	ts "tailscale.com/tka"
	"tailscale.com/types/key"
	"tailscale.com/types/tkatype"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

const tailnetNodes = 1000

// benchNodeKeys: audit every node signature of a 1,000-node tailnet, and
// one check alone against its floor (one ZIP-215 verification).
func benchNodeKeys() error {
	c, err := chaingen.Build(10, nil)
	if err != nil {
		return err
	}
	tsGen, tsUpd, err := tsChain(c)
	if err != nil {
		return err
	}
	tsA, err := ts.Bootstrap(ts.ChonkMem(), tsGen)
	if err != nil {
		return err
	}
	_ = tsUpd
	ourA, err := tka.Bootstrap(tka.NewMemStore(), c.Genesis)
	if err != nil {
		return err
	}
	list := make([]tka.NodeKeyCheck, tailnetNodes)
	for i := range list {
		var nk tka.NodeKey
		copy(nk[:], chaingen.NewKey(uint64(1000+i)).PublicKey())
		s, err := tka.SignNodeKey(context.Background(), c.Signer, nk, chaingen.NewKey(uint64(5000+i)).PublicKey())
		if err != nil {
			return err
		}
		list[i] = tka.NodeKeyCheck{NodeKey: nk, Signature: s.Serialize()}
	}
	tsKeys := make([]key.NodePublic, len(list))
	for i, c := range list {
		tsKeys[i] = key.NodePublicFromRaw32(mem.B(c.NodeKey[:]))
	}
	peer, err := median(func() (time.Duration, error) {
		return timed(func() error {
			for i, c := range list {
				if err := tsA.NodeKeyAuthorized(tsKeys[i], tkatype.MarshaledSignature(c.Signature)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("tailscale node-key checks: %w", err)
	}
	ours, err := median(func() (time.Duration, error) {
		return timed(func() error {
			for i, e := range ourA.NodeKeysAuthorized(list) {
				if e != nil {
					return fmt.Errorf("node %d: %w", i, e)
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("signet node-key checks: %w", err)
	}
	figure("nodekey-bulk-tailscale", peer)
	figure("nodekey-bulk-signet", ours)
	ratio("nodekey-bulk", peer, ours)
	// tailscale.com has no bulk check: its per-node loop is also its
	// single-check figure.
	return benchNodeKeySingle(ourA, list, peer, c.Signer)
}

func benchNodeKeySingle(ourA *tka.Authority, list []tka.NodeKeyCheck, peer time.Duration, signer chaingen.Key) error {
	ours, err := median(func() (time.Duration, error) {
		return timed(func() error {
			for _, c := range list {
				if err := ourA.NodeKeyAuthorized(c.NodeKey, c.Signature); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	type triple struct{ msg, sig []byte }
	pre := make([]triple, len(list))
	for i, c := range list {
		s, err := tka.DecodeNodeKeySignature(c.Signature)
		if err != nil {
			return err
		}
		h := s.SigHash()
		pre[i] = triple{h[:], s.Signature}
	}
	pub := signer.PublicKey()
	floor, err := median(func() (time.Duration, error) {
		return timed(func() error {
			for _, t := range pre {
				if !ed25519consensus.Verify(pub, t.msg, t.sig) {
					return fmt.Errorf("floor verify failed")
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	n := time.Duration(len(list))
	figure("nodekey-single-tailscale", peer/n)
	figure("nodekey-single-signet", ours/n)
	figure("nodekey-single-floor", floor/n)
	ratio("nodekey-single", peer, ours)
	ratio("nodekey-single-vs-floor", floor, ours)
	return nil
}
