package main

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"time"

	"github.com/hdevalence/ed25519consensus"
	"golang.org/x/crypto/blake2s"
	ts "tailscale.com/tka"

	"github.com/signetbox/signet/tka"
)

// floorBatch is the batch size the floor is measured with: signet's own.
const floorBatch = 128

// benchVerify: import and fully verify the chain (every hash and
// signature), against tailscale's Inform and against the floor.
func benchVerify() error {
	c, err := chain()
	if err != nil {
		return err
	}
	tsGen, tsUpd, err := tsChain(c)
	if err != nil {
		return err
	}
	peer, err := median(func() (time.Duration, error) {
		st := ts.ChonkMem()
		a, err := ts.Bootstrap(st, tsGen)
		if err != nil {
			return 0, err
		}
		return timed(func() error { return a.Inform(st, tsUpd) })
	})
	if err != nil {
		return fmt.Errorf("tailscale inform: %w", err)
	}
	ours, err := median(func() (time.Duration, error) {
		st := tka.NewMemStore()
		a, err := tka.Bootstrap(st, c.Genesis)
		if err != nil {
			return 0, err
		}
		return timed(func() error { return a.Inform(st, c.Updates) })
	})
	if err != nil {
		return fmt.Errorf("signet inform: %w", err)
	}
	floor, err := verifyFloor(c.Updates, c.Signer.PublicKey())
	if err != nil {
		return err
	}
	figure("verify-tailscale", peer)
	figure("verify-signet", ours)
	figure("verify-batch-floor", floor)
	ratio("verify", peer, ours)
	ratio("verify-vs-floor", floor, ours)
	return nil
}

// verifyFloor times the least work a full verification must do: hash every
// AUM once and batch-verify every signature.
func verifyFloor(updates []*tka.AUM, pub ed25519.PublicKey) (time.Duration, error) {
	type item struct{ raw, msg, sig []byte }
	items := make([]item, len(updates))
	for i, u := range updates {
		h := u.SigHash()
		items[i] = item{u.Serialize(), h[:], u.Signatures[0].Signature}
	}
	return median(func() (time.Duration, error) {
		return timed(func() error {
			for start := 0; start < len(items); start += floorBatch {
				chunk := items[start:min(start+floorBatch, len(items))]
				v := ed25519consensus.NewPreallocatedBatchVerifier(len(chunk))
				for _, it := range chunk {
					_ = blake2s.Sum256(it.raw)
					v.Add(pub, it.msg, it.sig)
				}
				if !v.Verify() {
					return fmt.Errorf("floor batch at %d failed", start)
				}
			}
			return nil
		})
	})
}

// benchPersist: import the chain into files, crash-safe.
func benchPersist() error {
	c, err := chain()
	if err != nil {
		return err
	}
	tsGen, tsUpd, err := tsChain(c)
	if err != nil {
		return err
	}
	saved := *rounds
	*rounds = min(saved, 2) // tailscale's file store takes seconds per run
	defer func() { *rounds = saved }()
	peer, err := median(func() (time.Duration, error) {
		dir, err := os.MkdirTemp("", "bench-ts-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		fs, err := ts.ChonkDir(dir)
		if err != nil {
			return 0, err
		}
		a, err := ts.Bootstrap(fs, tsGen)
		if err != nil {
			return 0, err
		}
		return timed(func() error { return a.Inform(fs, tsUpd) })
	})
	if err != nil {
		return fmt.Errorf("tailscale persist: %w", err)
	}
	*rounds = saved
	ours, err := median(func() (time.Duration, error) {
		dir, err := os.MkdirTemp("", "bench-signet-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		var d time.Duration
		err = ourPersist(dir, c, &d)
		return d, err
	})
	if err != nil {
		return fmt.Errorf("signet persist: %w", err)
	}
	figure("persist-tailscale", peer)
	figure("persist-signet", ours)
	ratio("persist", peer, ours)
	return nil
}
