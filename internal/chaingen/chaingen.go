// Package chaingen builds long, valid Tailnet Lock chains signed with
// software keys, for benchmarks and tests. It is never linked into the
// signet binary.
package chaingen

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/signetbox/signet/tka"
)

// Key is a software tka.Signer.
type Key struct{ Priv ed25519.PrivateKey }

// PublicKey implements tka.Signer.
func (k Key) PublicKey() ed25519.PublicKey { return k.Priv.Public().(ed25519.PublicKey) }

// Sign implements tka.Signer.
func (k Key) Sign(_ context.Context, h [32]byte) ([]byte, error) {
	return ed25519.Sign(k.Priv, h[:]), nil
}

// NewKey returns a deterministic key for seed.
func NewKey(seed uint64) Key {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	binary.LittleEndian.PutUint64(s[8:], seed*0x9e3779b97f4a7c15)
	return Key{ed25519.NewKeyFromSeed(s[:])}
}

// Chain is a genesis checkpoint and the updates after it.
type Chain struct {
	Genesis *tka.AUM
	Updates []*tka.AUM
	Signer  Key
}

// Build makes a linear chain of n updates after a genesis trusting two
// keys. Updates cycle through add-key, update-key, remove-key and no-op,
// with a checkpoint every 50, each signed by one trusted key. emit, if not
// nil, receives each update as it is made and the chain keeps none of them
// (for chains too long to hold).
func Build(n int, emit func(*tka.AUM) error) (*Chain, error) {
	ctx := context.Background()
	signer, second := NewKey(1), NewKey(2)
	r := rand.New(rand.NewPCG(7, 8))
	state := tka.State{
		Keys:              []tka.Key{tka.NewEd25519Key(signer.PublicKey(), 2), tka.NewEd25519Key(second.PublicKey(), 1)},
		DisablementValues: [][]byte{tka.DisablementKDF([]byte("bench disablement secret"))},
		StateID1:          r.Uint64(),
		StateID2:          r.Uint64(),
	}
	st := tka.NewMemStore()
	a, genesis, err := tka.Create(ctx, st, state, signer)
	if err != nil {
		return nil, err
	}
	c := &Chain{Genesis: genesis, Signer: signer}
	next := uint64(100)
	for i := 0; i < n; {
		b := a.NewBuilder(signer)
		var made int
		for ; made < 32 && i < n; made, i = made+1, i+1 {
			if err := step(ctx, b, i, &next); err != nil {
				return nil, fmt.Errorf("update %d: %w", i, err)
			}
		}
		updates, err := b.Finalize(ctx, tka.NewMemStore())
		if err != nil {
			return nil, err
		}
		// Advance without keeping AUMs: a fresh store per round.
		st = tka.NewMemStore()
		if err := st.Commit([]tka.Entry{{Hash: a.Head(), AUM: a.HeadAUM()}}); err != nil {
			return nil, err
		}
		if err := a.Inform(st, updates); err != nil {
			return nil, err
		}
		for _, u := range updates {
			if emit != nil {
				if err := emit(u); err != nil {
					return nil, err
				}
			} else {
				c.Updates = append(c.Updates, u)
			}
		}
	}
	return c, nil
}

func step(ctx context.Context, b *tka.Builder, i int, next *uint64) error {
	extra := tka.KeyID(NewKey(*next).PublicKey())
	added := len(b.State().Keys) > 2
	switch {
	case i%50 == 49:
		return b.Checkpoint(ctx)
	case i%8 == 1 && !added:
		*next++
		return b.AddKey(ctx, tka.NewEd25519Key(NewKey(*next).PublicKey(), 1))
	case i%8 == 3 && added:
		return b.SetKeyVotes(ctx, extra, 2)
	case i%8 == 5 && added:
		return b.RemoveKey(ctx, extra)
	default:
		return b.NoOp(ctx)
	}
}
