package tka

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Recovery AUMs remove compromised keys retroactively: a checkpoint that
// forks from an AUM before the compromise, whose state no longer trusts the
// keys. It wins the fork only once it carries more signing votes than the
// removed keys held, so it is passed between signing nodes as hex (the
// blobs of `tailscale lock revoke-keys --cosign`) to collect signatures.

// RecoveryAUM builds an unsigned recovery checkpoint that removes the keys
// in remove. forkFrom is the AUM to fork from; if zero, the newest AUM of the
// active chain whose state trusts none of remove and does trust ours is
// chosen (the oldest stored AUM if none does).
func (a *Authority) RecoveryAUM(st Store, remove []KeyID, ours KeyID, forkFrom AUMHash) (*AUM, error) {
	if forkFrom.IsZero() {
		trusted := false
		for _, id := range remove {
			trusted = trusted || a.KeyTrusted(id)
		}
		if !trusted {
			return nil, errors.New("none of the keys to revoke is trusted now")
		}
		var err error
		if forkFrom, err = a.rewriteParent(st, remove, ours); err != nil {
			return nil, fmt.Errorf("finding the AUM to fork from: %w", err)
		}
	}
	state := a.state.Clone()
	for _, id := range remove {
		if i := slicesIndexKey(state.Keys, id); i >= 0 {
			state.Keys = append(state.Keys[:i], state.Keys[i+1:]...)
		}
	}
	if len(state.Keys) == 0 {
		return nil, errors.New("cannot revoke every trusted key")
	}
	state.LastAUMHash = nil
	u := &AUM{MessageKind: AUMCheckpoint, State: &state, PrevAUMHash: append([]byte(nil), forkFrom[:]...)}
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("the recovery AUM would be invalid: %w", err)
	}
	return u, nil
}

// rewriteParent walks back from the head to the newest AUM whose state
// trusts none of remove but trusts ours.
func (a *Authority) rewriteParent(st Store, remove []KeyID, ours KeyID) (AUMHash, error) {
	cursor := a.head.Hash
	for cursor != a.oldest {
		state, err := stateAt(st, cursor)
		if err != nil {
			return AUMHash{}, fmt.Errorf("computing the state at %v: %w", cursor, err)
		}
		clean := true
		for _, id := range remove {
			if state.key(id) != nil {
				clean = false
			}
		}
		if clean && state.key(ours) != nil {
			break
		}
		parent, ok, err := st.Parent(cursor)
		if err != nil {
			return AUMHash{}, fmt.Errorf("reading AUM %v: %w", cursor, err)
		}
		if !ok {
			break
		}
		cursor = parent
	}
	return cursor, nil
}

// CoSign adds signer's signature to a recovery AUM. It refuses an AUM that
// is not a checkpoint forking from a stored AUM, one whose signer is not
// trusted, and one the signer has signed already.
func (a *Authority) CoSign(ctx context.Context, st Store, u *AUM, signer Signer) error {
	if u.MessageKind != AUMCheckpoint {
		return fmt.Errorf("a recovery AUM is a checkpoint, not a %v", u.MessageKind)
	}
	if err := u.Validate(); err != nil {
		return fmt.Errorf("invalid recovery AUM: %w", err)
	}
	parent, ok := u.Parent()
	if !ok {
		return errors.New("the recovery AUM names no parent to fork from")
	}
	if _, err := st.AUM(parent); err != nil {
		return fmt.Errorf("the recovery AUM forks from %v, which this authority does not hold: %w", parent, err)
	}
	pub := signer.PublicKey()
	if !a.KeyTrusted(KeyID(pub)) {
		return fmt.Errorf("this signer's key %s is not trusted by the authority", FormatTLPub(pub))
	}
	for _, s := range u.Signatures {
		if string(s.KeyID) == string(pub) {
			return fmt.Errorf("the recovery AUM already carries a signature by %s", FormatTLPub(pub))
		}
	}
	return signAUM(ctx, u, signer)
}

// FormatHexAUM returns the AUM as the upper-case hex blob that `tailscale
// lock revoke-keys --cosign` and `--finish` take.
func FormatHexAUM(u *AUM) string { return strings.ToUpper(hex.EncodeToString(u.Serialize())) }

// ParseHexAUM decodes and validates a hex AUM blob.
func ParseHexAUM(s string) (*AUM, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("AUM blob is not hex: %w", err)
	}
	u, err := DecodeAUM(b)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("invalid AUM: %w", err)
	}
	return u, nil
}

// Addition is a key added to the authority by an add-key AUM.
type Addition struct {
	Key Key     // the key added
	AUM AUMHash // the add-key AUM
}

// AddedSince lists the keys added by add-key AUMs of the active chain
// after fork (exclusive) up to the head, newest first, that carry a
// signature by any of signers. A recovery AUM copies the current keys, so
// a key added by a compromised key after the fork stays trusted unless it
// is named too. fork must be an ancestor of the head (the parent of a
// recovery AUM is).
func (a *Authority) AddedSince(st Store, fork AUMHash, signers []KeyID) ([]Addition, error) {
	var out []Addition
	for cursor := a.head.Hash; cursor != fork; {
		u, err := st.AUM(cursor)
		if err != nil {
			return nil, fmt.Errorf("reading AUM %v: %w", cursor, err)
		}
		if u.MessageKind == AUMAddKey && u.Key != nil && signedByAny(u, signers) {
			out = append(out, Addition{Key: *u.Key, AUM: cursor})
		}
		parent, ok, err := st.Parent(cursor)
		if err != nil {
			return nil, fmt.Errorf("reading the parent of %v: %w", cursor, err)
		}
		if !ok {
			return nil, fmt.Errorf("AUM %v is not an ancestor of the head", fork)
		}
		cursor = parent
	}
	return out, nil
}

// signedByAny reports whether u carries a signature by any of ids.
func signedByAny(u *AUM, ids []KeyID) bool {
	for _, s := range u.Signatures {
		for _, id := range ids {
			if bytes.Equal(s.KeyID, id) {
				return true
			}
		}
	}
	return false
}
