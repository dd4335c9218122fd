package tka

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
)

// ErrNoSuchKey means a KeyID names no trusted key.
var ErrNoSuchKey = errors.New("key not found")

// State is the authority's state at one AUM: the trusted keys, the
// disablement values and the state IDs fixed at genesis.
type State struct {
	// LastAUMHash is the hash of the last AUM applied; nil inside a
	// checkpoint AUM.
	LastAUMHash *AUMHash `cbor:"1,keyasint"`
	// DisablementValues are KDF outputs of the disablement secrets.
	DisablementValues [][]byte `cbor:"2,keyasint"`
	// Keys are the trusted keys, in the order they were added.
	Keys []Key `cbor:"3,keyasint"`
	// StateID1 and StateID2 are random values fixed at genesis.
	StateID1 uint64 `cbor:"4,keyasint,omitempty"`
	StateID2 uint64 `cbor:"5,keyasint,omitempty"`
}

// GetKey returns the trusted key with the given ID, or ErrNoSuchKey.
func (s *State) GetKey(id KeyID) (Key, error) {
	if k := s.key(id); k != nil {
		return *k, nil
	}
	return Key{}, ErrNoSuchKey
}

// Trusts reports whether pub is one of the trusted keys. It is the one
// test of key membership: callers holding keys in another form (tlpub:
// strings, key lists) build a State and ask it.
func (s *State) Trusts(pub []byte) bool { return s.key(KeyID(pub)) != nil }

// key returns a pointer into s.Keys, or nil.
func (s *State) key(id KeyID) *Key {
	for i := range s.Keys {
		if s.Keys[i].Kind == Key25519 && bytes.Equal(s.Keys[i].Public, id) {
			return &s.Keys[i]
		}
	}
	return nil
}

// Clone returns a deep copy of s; nil slices stay nil.
func (s State) Clone() State {
	out := State{StateID1: s.StateID1, StateID2: s.StateID2}
	if s.LastAUMHash != nil {
		h := *s.LastAUMHash
		out.LastAUMHash = &h
	}
	if s.DisablementValues != nil {
		out.DisablementValues = make([][]byte, len(s.DisablementValues))
		for i, d := range s.DisablementValues {
			out.DisablementValues[i] = bytes.Clone(d)
			if d != nil && out.DisablementValues[i] == nil {
				out.DisablementValues[i] = []byte{}
			}
		}
	}
	if s.Keys != nil {
		out.Keys = make([]Key, len(s.Keys))
		for i := range s.Keys {
			out.Keys[i] = s.Keys[i].Clone()
		}
	}
	return out
}

// CheckDisablement reports whether secret is a disablement secret of s.
// The comparison takes the same time whichever value matches.
func (s *State) CheckDisablement(secret []byte) bool {
	return s.checkDisablementValue(DisablementKDF(secret))
}

func (s *State) checkDisablementValue(derived []byte) bool {
	found := 0
	for _, v := range s.DisablementValues {
		found |= subtle.ConstantTimeCompare(derived, v)
	}
	return found == 1
}

// apply moves s forward by the verified AUM a, whose hash is h, in place.
// Slices that s shares with AUMs are never written through: a key removal
// or addition copies the key list first.
//
// The rules are those of tailscale.com/tka (State.applyVerifiedAUM); a
// failed apply leaves s unchanged.
func (s *State) apply(a *AUM, h AUMHash) error {
	if s.LastAUMHash != nil && !bytes.Equal(s.LastAUMHash[:], a.PrevAUMHash) {
		return errors.New("parent AUM hash does not match the state's last AUM")
	}
	switch a.MessageKind {
	case AUMCheckpoint:
		if a.State == nil {
			return errors.New("checkpoint AUM has no State")
		}
		if a.State.StateID1 != s.StateID1 || a.State.StateID2 != s.StateID2 {
			return errors.New("checkpoint carries state IDs that differ from the authority's")
		}
		*s = a.State.shallow()
	case AUMAddKey:
		if a.Key == nil {
			return errors.New("add-key AUM has no Key")
		}
		id, err := a.Key.ID()
		if err != nil {
			return err
		}
		if s.key(id) != nil {
			return errors.New("key already exists")
		}
		s.Keys = append(s.Keys[:len(s.Keys):len(s.Keys)], *a.Key)
	case AUMUpdateKey:
		if err := s.updateKey(a); err != nil {
			return err
		}
	case AUMRemoveKey:
		idx := slicesIndexKey(s.Keys, a.KeyID)
		if idx < 0 {
			return ErrNoSuchKey
		}
		keys := make([]Key, 0, len(s.Keys)-1)
		keys = append(keys, s.Keys[:idx]...)
		s.Keys = append(keys, s.Keys[idx+1:]...)
	}
	// NoOp and kinds from newer clients change nothing but the head.
	s.LastAUMHash = &h
	return nil
}

func (s *State) updateKey(a *AUM) error {
	idx := slicesIndexKey(s.Keys, a.KeyID)
	if idx < 0 {
		return ErrNoSuchKey
	}
	k := s.Keys[idx]
	if a.Votes != nil {
		k.Votes = *a.Votes
	}
	if a.Meta != nil {
		k.Meta = a.Meta
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("updated key fails validation: %w", err)
	}
	keys := append([]Key(nil), s.Keys...)
	keys[idx] = k
	s.Keys = keys
	return nil
}

// shallow copies the State's slices' headers so that later in-place changes
// of the copy cannot reach s's backing arrays.
func (s *State) shallow() State {
	out := *s
	out.Keys = append([]Key(nil), s.Keys...)
	if s.Keys != nil && out.Keys == nil {
		out.Keys = []Key{}
	}
	return out
}

func slicesIndexKey(keys []Key, id KeyID) int {
	for i := range keys {
		if keys[i].Kind == Key25519 && bytes.Equal(keys[i].Public, id) {
			return i
		}
	}
	return -1
}

// validateCheckpoint checks the rules for a State carried in a checkpoint.
func (s *State) validateCheckpoint() error {
	if s.LastAUMHash != nil {
		return errors.New("a checkpoint state must not name a last AUM")
	}
	if len(s.DisablementValues) == 0 {
		return errors.New("at least one disablement value is required")
	}
	if n := len(s.DisablementValues); n > maxDisablementValues {
		return fmt.Errorf("too many disablement values (%d, max %d)", n, maxDisablementValues)
	}
	seen := make(map[string]int, len(s.DisablementValues))
	for i, d := range s.DisablementValues {
		if len(d) != disablementLength {
			return fmt.Errorf("disablement value %d is %d bytes, want %d", i, len(d), disablementLength)
		}
		if j, dup := seen[string(d)]; dup {
			return fmt.Errorf("disablement value %d duplicates value %d", i, j)
		}
		seen[string(d)] = i
	}
	if len(s.Keys) == 0 {
		return errors.New("at least one key is required")
	}
	if n := len(s.Keys); n > maxKeys {
		return fmt.Errorf("too many keys (%d, max %d)", n, maxKeys)
	}
	ids := make(map[string]int, len(s.Keys))
	for i, k := range s.Keys {
		if err := k.Validate(); err != nil {
			return fmt.Errorf("key %d: %w", i, err)
		}
		if j, dup := ids[string(k.Public)]; dup {
			return fmt.Errorf("key %d duplicates key %d", i, j)
		}
		ids[string(k.Public)] = i
	}
	return nil
}

func (s *State) encode(e *enc) {
	e.mapHeader(3 + countTrue(s.StateID1 != 0, s.StateID2 != 0))
	e.key(1)
	if s.LastAUMHash == nil {
		e.b = append(e.b, cborNull)
	} else {
		e.bytes(s.LastAUMHash[:])
	}
	e.key(2)
	if s.DisablementValues == nil {
		e.b = append(e.b, cborNull)
	} else {
		e.head(majArray, uint64(len(s.DisablementValues)))
		for _, d := range s.DisablementValues {
			e.bytes(d)
		}
	}
	e.key(3)
	if s.Keys == nil {
		e.b = append(e.b, cborNull)
	} else {
		e.head(majArray, uint64(len(s.Keys)))
		for i := range s.Keys {
			s.Keys[i].encode(e)
		}
	}
	if s.StateID1 != 0 {
		e.key(4)
		e.uint(s.StateID1)
	}
	if s.StateID2 != 0 {
		e.key(5)
		e.uint(s.StateID2)
	}
}
