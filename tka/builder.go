package tka

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/hdevalence/ed25519consensus"
)

// signAUM appends signer's signature over u's SigHash, after checking it.
func signAUM(ctx context.Context, u *AUM, signer Signer) error {
	h := u.SigHash()
	sig, err := signChecked(ctx, signer, h)
	if err != nil {
		return fmt.Errorf("signing AUM: %w", err)
	}
	u.Signatures = append(u.Signatures, Signature{KeyID: KeyID(signer.PublicKey()), Signature: sig})
	return nil
}

// signChecked signs h and refuses a signature that does not verify under
// the signer's public key: a faulty or swapped device must not get a bad
// signature into the chain.
func signChecked(ctx context.Context, signer Signer, h SigHash) ([]byte, error) {
	pub := signer.PublicKey()
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("signer's public key is %d bytes, want 32", len(pub))
	}
	sig, err := signer.Sign(ctx, h)
	if err != nil {
		return nil, err
	}
	if !ed25519consensus.Verify(pub, h[:], sig) {
		return nil, errors.New("the signer returned a signature that does not verify under its public key")
	}
	return sig, nil
}

// Builder makes a sequence of updates on the authority's current head,
// each signed by the signer and checked against the state it applies to.
type Builder struct {
	a      *Authority
	signer Signer
	state  State
	parent AUMHash
	out    []*AUM
}

// NewBuilder starts a sequence of updates on a's head. A nil signer
// leaves the updates unsigned (to be co-signed elsewhere).
func (a *Authority) NewBuilder(signer Signer) *Builder {
	return &Builder{a: a, signer: signer, state: a.state, parent: a.head.Hash}
}

// AddKey adds k to the trusted keys.
func (b *Builder) AddKey(ctx context.Context, k Key) error {
	id, err := k.ID()
	if err != nil {
		return err
	}
	if b.state.key(id) != nil {
		return fmt.Errorf("cannot add %s: it is already trusted", FormatTLPub(k.Public))
	}
	if len(b.state.Keys) >= maxKeys {
		return fmt.Errorf("cannot add %s: the authority already trusts the maximum of %d keys", FormatTLPub(k.Public), maxKeys)
	}
	return b.add(ctx, &AUM{MessageKind: AUMAddKey, Key: &k})
}

// RemoveKey removes the trusted key id.
func (b *Builder) RemoveKey(ctx context.Context, id KeyID) error {
	if b.state.key(id) == nil {
		return fmt.Errorf("cannot remove %s: it is not trusted", FormatTLPub(id))
	}
	return b.add(ctx, &AUM{MessageKind: AUMRemoveKey, KeyID: id})
}

// SetKeyVotes changes the votes of the trusted key id.
func (b *Builder) SetKeyVotes(ctx context.Context, id KeyID, votes uint) error {
	if b.state.key(id) == nil {
		return fmt.Errorf("cannot update %s: it is not trusted", FormatTLPub(id))
	}
	return b.add(ctx, &AUM{MessageKind: AUMUpdateKey, KeyID: id, Votes: &votes})
}

// SetKeyMeta replaces the metadata of the trusted key id.
func (b *Builder) SetKeyMeta(ctx context.Context, id KeyID, meta map[string]string) error {
	if b.state.key(id) == nil {
		return fmt.Errorf("cannot update %s: it is not trusted", FormatTLPub(id))
	}
	if len(meta) == 0 {
		// An empty map is not encoded, and an update-key AUM must change
		// something, so metadata can be replaced but never cleared.
		return errors.New("cannot set empty metadata: the wire format has no way to clear a key's metadata")
	}
	return b.add(ctx, &AUM{MessageKind: AUMUpdateKey, KeyID: id, Meta: meta})
}

// NoOp adds an AUM that changes nothing.
func (b *Builder) NoOp(ctx context.Context) error {
	return b.add(ctx, &AUM{MessageKind: AUMNoOp})
}

// Checkpoint adds an AUM carrying the whole current state.
func (b *Builder) Checkpoint(ctx context.Context) error {
	s := b.state.Clone()
	s.LastAUMHash = nil
	return b.add(ctx, &AUM{MessageKind: AUMCheckpoint, State: &s})
}

func (b *Builder) add(ctx context.Context, u *AUM) error {
	u.PrevAUMHash = append([]byte(nil), b.parent[:]...)
	if b.signer != nil {
		if err := signAUM(ctx, u, b.signer); err != nil {
			return err
		}
	}
	if err := u.Validate(); err != nil {
		return fmt.Errorf("the update would be invalid: %w", err)
	}
	h := u.Hash()
	next := b.state
	if err := next.apply(u, h); err != nil {
		return fmt.Errorf("the update cannot be applied: %w", err)
	}
	b.state, b.parent = next, h
	b.out = append(b.out, u)
	return nil
}

// State returns the state the updates built so far lead to.
func (b *Builder) State() State { return b.state.Clone() }

// checkpointEvery is how many AUMs may follow a checkpoint before the
// builder adds a new one, as tailscale.com's builder does, so that stores
// which compact old AUMs always keep a starting point.
const checkpointEvery = 50

// Finalize returns the updates, adding a checkpoint when the chain in st
// has gone checkpointEvery AUMs without one. It refuses if the authority's
// head moved since the builder started.
func (b *Builder) Finalize(ctx context.Context, st Store) ([]*AUM, error) {
	need, err := b.needCheckpoint(st)
	if err != nil {
		return nil, err
	}
	if need && b.signer != nil {
		if err := b.Checkpoint(ctx); err != nil {
			return nil, fmt.Errorf("adding a checkpoint: %w", err)
		}
	}
	if len(b.out) > 0 {
		if p, _ := b.out[0].Parent(); p != b.a.head.Hash {
			return nil, fmt.Errorf("the updates were built on %v but the head is now %v; build them again", p, b.a.head.Hash)
		}
	}
	return b.out, nil
}

// Updates returns the updates built so far, refusing them if the
// authority's head moved since the builder started. Unlike Finalize it
// never adds a checkpoint: callers that show updates before signing them
// call NeedCheckpoint and Checkpoint themselves.
func (b *Builder) Updates() ([]*AUM, error) {
	if len(b.out) > 0 {
		if p, _ := b.out[0].Parent(); p != b.a.head.Hash {
			return nil, fmt.Errorf("the updates were built on %v but the head is now %v; build them again", p, b.a.head.Hash)
		}
	}
	return b.out, nil
}

// NeedCheckpoint reports whether the chain in st has gone checkpointEvery
// AUMs (counting those built so far) without a checkpoint.
func (b *Builder) NeedCheckpoint(st Store) (bool, error) { return b.needCheckpoint(st) }

func (b *Builder) needCheckpoint(st Store) (bool, error) {
	cursor := b.a.head.Hash
	for i := len(b.out); i < checkpointEvery; i++ {
		u, err := st.AUM(cursor)
		if errors.Is(err, ErrNotStored) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("reading AUM %v: %w", cursor, err)
		}
		if u.MessageKind == AUMCheckpoint {
			return false, nil
		}
		parent, ok := u.Parent()
		if !ok {
			return false, nil
		}
		cursor = parent
	}
	return true, nil
}
