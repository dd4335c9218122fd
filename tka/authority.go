package tka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// Authority is a Tailnet Key Authority: the active chain of a Store, its
// head and the state at the head.
type Authority struct {
	head   Entry
	oldest AUMHash
	state  State
}

// Open loads the authority kept in st.
func Open(st Store) (*Authority, error) {
	last, err := st.LastActiveAncestor()
	if err != nil {
		return nil, fmt.Errorf("reading the last active ancestor: %w", err)
	}
	oldest, head, state, err := activeChain(st, last)
	if err != nil {
		return nil, fmt.Errorf("opening the authority: %w", err)
	}
	return &Authority{head: head, oldest: oldest, state: state}, nil
}

// Bootstrap starts an authority in the empty store st from a checkpoint
// AUM: a genesis AUM, or a later checkpoint another node sent.
func Bootstrap(st Store, genesis *AUM) (*Authority, error) {
	heads, err := st.Heads()
	if err != nil {
		return nil, fmt.Errorf("reading heads: %w", err)
	}
	if len(heads) != 0 {
		return nil, errors.New("the store already holds an authority; open it instead")
	}
	if genesis.MessageKind != AUMCheckpoint {
		return nil, fmt.Errorf("an authority must start from a checkpoint AUM, not a %v", genesis.MessageKind)
	}
	if genesis.State == nil {
		return nil, errors.New("the starting checkpoint carries no state")
	}
	if err := verifyAUM(genesis, genesis.State, -1, nil); err != nil {
		return nil, fmt.Errorf("invalid starting checkpoint: %w", err)
	}
	h := genesis.Hash()
	if err := st.Commit([]Entry{{h, genesis}}); err != nil {
		return nil, fmt.Errorf("storing the starting checkpoint: %w", err)
	}
	if err := st.SetLastActiveAncestor(h); err != nil {
		return nil, fmt.Errorf("recording the starting checkpoint: %w", err)
	}
	return Open(st)
}

// Create makes a new authority: a genesis checkpoint of state, signed by
// signer (whose key must be in state), stored in the empty store st.
func Create(ctx context.Context, st Store, state State, signer Signer) (*Authority, *AUM, error) {
	genesis := &AUM{MessageKind: AUMCheckpoint, State: &state}
	if err := genesis.Validate(); err != nil {
		return nil, nil, fmt.Errorf("invalid genesis state: %w", err)
	}
	if err := signAUM(ctx, genesis, signer); err != nil {
		return nil, nil, err
	}
	a, err := Bootstrap(st, genesis)
	return a, genesis, err
}

// Head returns the hash of the newest AUM of the active chain.
func (a *Authority) Head() AUMHash { return a.head.Hash }

// HeadAUM returns the newest AUM of the active chain (read-only).
func (a *Authority) HeadAUM() *AUM { return a.head.AUM }

// Oldest returns the hash of the oldest stored AUM of the active chain.
func (a *Authority) Oldest() AUMHash { return a.oldest }

// State returns a copy of the state at the head.
func (a *Authority) State() State { return a.state.Clone() }

// Keys returns copies of the trusted keys.
func (a *Authority) Keys() []Key { return a.State().Keys }

// KeyTrusted reports whether id names a trusted key.
func (a *Authority) KeyTrusted(id KeyID) bool { return a.state.key(id) != nil }

// StateIDs returns the two random IDs fixed at genesis.
func (a *Authority) StateIDs() (uint64, uint64) { return a.state.StateID1, a.state.StateID2 }

// ValidDisablement reports whether secret is one of the authority's
// disablement secrets.
func (a *Authority) ValidDisablement(secret []byte) bool { return a.state.CheckDisablement(secret) }

// Clone returns an independent copy of a.
func (a *Authority) Clone() *Authority {
	return &Authority{head: a.head, oldest: a.oldest, state: a.state.Clone()}
}

// verifyAUM checks an AUM against the state at its parent: its own rules,
// its parent link, and that every signature is by a trusted key. With a
// nil batch the signatures are checked at once; otherwise they are queued
// in it, tagged with idx. idx < 0 marks a genesis AUM, which has no parent.
func verifyAUM(u *AUM, state *State, idx int, batch *sigBatch) error {
	if err := u.Validate(); err != nil {
		return fmt.Errorf("invalid: %w", err)
	}
	if idx >= 0 {
		parent, ok := u.Parent()
		if !ok {
			return errors.New("AUM has no parent")
		}
		if state.LastAUMHash == nil || *state.LastAUMHash != parent {
			return fmt.Errorf("AUM's parent %v is not the state's last AUM", parent)
		}
	}
	if len(u.Signatures) == 0 {
		return errors.New("AUM is not signed")
	}
	own := batch == nil
	if own {
		batch = new(sigBatch)
	}
	sigHash := u.SigHash()
	for i, sig := range u.Signatures {
		k := state.key(sig.KeyID)
		if k == nil {
			return fmt.Errorf("signature %d is by %s, which is not a trusted key", i, FormatTLPub(sig.KeyID))
		}
		if len(k.Public) != 32 {
			return fmt.Errorf("signature %d: trusted key is %d bytes, want 32", i, len(k.Public))
		}
		batch.add(batchItem{pub: k.Public, msg: sigHash[:], sig: sig.Signature, tag: idx, sub: i})
	}
	if own && !batch.flush() {
		return fmt.Errorf("signature %d: invalid signature", batch.failed.sub)
	}
	if u.MessageKind == AUMRemoveKey && len(state.Keys) == 1 && state.Keys[0].Kind == Key25519 &&
		bytes.Equal(u.KeyID, state.Keys[0].Public) {
		return errors.New("cannot remove the last trusted key")
	}
	return nil
}
