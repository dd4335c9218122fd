package tka

import (
	"crypto/ed25519"
	"encoding/base32"
	"errors"
	"fmt"

	"golang.org/x/crypto/blake2s"
)

// AUMHash is the BLAKE2s-256 digest of a serialized AUM.
type AUMHash [blake2s.Size]byte

// SigHash is the BLAKE2s-256 digest that a signature is made over.
type SigHash [blake2s.Size]byte

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// String returns the hash in the stock client's text form: base32, standard
// alphabet, no padding.
func (h AUMHash) String() string { return base32NoPad.EncodeToString(h[:]) }

// IsZero reports whether h is the zero hash.
func (h AUMHash) IsZero() bool { return h == AUMHash{} }

// MarshalText implements encoding.TextMarshaler.
func (h AUMHash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *AUMHash) UnmarshalText(text []byte) error {
	parsed, err := ParseAUMHash(string(text))
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}

// ParseAUMHash parses the base32 text form of an AUM hash, or its 64-digit
// hex form (as `tailscale lock log` shows it).
func ParseAUMHash(s string) (AUMHash, error) {
	var h AUMHash
	if len(s) == 2*len(h) {
		if _, err := decodeHexInto(h[:], s); err == nil {
			return h, nil
		}
	}
	if n := base32NoPad.DecodedLen(len(s)); n != len(h) {
		return h, fmt.Errorf("AUM hash %q has the wrong length: want 52 base32 or 64 hex digits", s)
	}
	if _, err := base32NoPad.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("AUM hash %q is not valid base32: %w", s, err)
	}
	return h, nil
}

// AUMKind is the kind of an AUM.
type AUMKind uint8

// AUM kinds. Wire values: do NOT reorder.
const (
	AUMInvalid AUMKind = iota
	// AUMAddKey adds Key to the trusted keys.
	AUMAddKey
	// AUMRemoveKey removes the key named by KeyID.
	AUMRemoveKey
	// AUMNoOp changes nothing.
	AUMNoOp
	// AUMUpdateKey changes the Votes and/or Meta of the key named by KeyID.
	AUMUpdateKey
	// AUMCheckpoint carries the whole State.
	AUMCheckpoint
)

// String returns the name tailscale.com prints for the kind.
func (k AUMKind) String() string {
	switch k {
	case AUMInvalid:
		return "invalid"
	case AUMAddKey:
		return "add-key"
	case AUMRemoveKey:
		return "remove-key"
	case AUMNoOp:
		return "no-op"
	case AUMUpdateKey:
		return "update-key"
	case AUMCheckpoint:
		return "checkpoint"
	default:
		return fmt.Sprintf("AUM?<%d>", int(k))
	}
}

// Signature is one signature over an AUM's SigHash.
type Signature struct {
	KeyID     KeyID  `cbor:"1,keyasint"`
	Signature []byte `cbor:"2,keyasint"`
}

// AUM is an Authority Update Message: one link of the authority chain.
//
// Field tags are the wire format; an unset optional field adds no bytes,
// so the encoding of existing AUMs never changes.
type AUM struct {
	MessageKind AUMKind `cbor:"1,keyasint"`
	// PrevAUMHash is the parent's hash; nil for a genesis AUM (never an
	// empty, non-nil slice).
	PrevAUMHash []byte `cbor:"2,keyasint"`

	// Key is the key an AddKey AUM adds.
	Key *Key `cbor:"3,keyasint,omitempty"`
	// KeyID names the key a RemoveKey or UpdateKey AUM acts on.
	KeyID KeyID `cbor:"4,keyasint,omitempty"`
	// State is the whole state a Checkpoint AUM carries.
	State *State `cbor:"5,keyasint,omitempty"`
	// Votes and Meta are the new values of an UpdateKey AUM.
	Votes *uint             `cbor:"6,keyasint,omitempty"`
	Meta  map[string]string `cbor:"7,keyasint,omitempty"`

	// Signatures over SigHash. Key 23 is the last one-byte key.
	Signatures []Signature `cbor:"23,keyasint,omitempty"`
}

// DecodeAUM decodes a serialized AUM strictly (see decMode). It does not
// validate the AUM's fields: call Validate for that.
func DecodeAUM(b []byte) (*AUM, error) {
	a := new(AUM)
	if err := decMode.Unmarshal(b, a); err != nil {
		return nil, fmt.Errorf("decoding AUM: %w", err)
	}
	return a, nil
}

// Serialize returns the canonical CTAP2 CBOR encoding of a.
func (a *AUM) Serialize() []byte { return a.appendTo(make([]byte, 0, 192), true) }

// Hash returns the BLAKE2s-256 digest of the serialized AUM.
func (a *AUM) Hash() AUMHash { return blake2s.Sum256(a.Serialize()) }

// SigHash returns the digest signatures are made over: the hash of the
// serialization without Signatures.
func (a *AUM) SigHash() SigHash {
	return blake2s.Sum256(a.appendTo(make([]byte, 0, 128), false))
}

// Parent returns the parent's hash, and false for a genesis AUM.
func (a *AUM) Parent() (AUMHash, bool) {
	var h AUMHash
	if len(a.PrevAUMHash) == 0 {
		return h, false
	}
	copy(h[:], a.PrevAUMHash)
	return h, true
}

func (a *AUM) appendTo(b []byte, withSigs bool) []byte {
	e := enc{b: b}
	hasSigs := withSigs && len(a.Signatures) > 0
	e.mapHeader(2 + countTrue(a.Key != nil, len(a.KeyID) > 0, a.State != nil,
		a.Votes != nil, len(a.Meta) > 0, hasSigs))
	e.key(1)
	e.uint(uint64(a.MessageKind))
	e.key(2)
	e.bytes(a.PrevAUMHash)
	if a.Key != nil {
		e.key(3)
		a.Key.encode(&e)
	}
	if len(a.KeyID) > 0 {
		e.key(4)
		e.bytes(a.KeyID)
	}
	if a.State != nil {
		e.key(5)
		a.State.encode(&e)
	}
	if a.Votes != nil {
		e.key(6)
		e.uint(uint64(*a.Votes))
	}
	if len(a.Meta) > 0 {
		e.key(7)
		e.textMap(a.Meta)
	}
	if hasSigs {
		e.key(23)
		e.head(majArray, uint64(len(a.Signatures)))
		for i := range a.Signatures {
			s := &a.Signatures[i]
			e.mapHeader(2)
			e.key(1)
			e.bytes(s.KeyID)
			e.key(2)
			e.bytes(s.Signature)
		}
	}
	return e.b
}

// Validate checks every rule an AUM must meet on its own, before any state
// is consulted.
func (a *AUM) Validate() error {
	if a.Key != nil {
		if err := a.Key.Validate(); err != nil {
			return fmt.Errorf("key: %w", err)
		}
	}
	if a.PrevAUMHash != nil && len(a.PrevAUMHash) == 0 {
		return errors.New("PrevAUMHash is an empty byte string; a genesis AUM must leave it out")
	}
	for i, sig := range a.Signatures {
		if len(sig.KeyID) != 32 || len(sig.Signature) != ed25519.SignatureSize {
			return fmt.Errorf("signature %d: want a 32-byte key ID and a 64-byte signature, got %d and %d bytes",
				i, len(sig.KeyID), len(sig.Signature))
		}
	}
	if a.State != nil {
		if err := a.State.validateCheckpoint(); err != nil {
			return fmt.Errorf("checkpoint state: %w", err)
		}
	}
	return a.validateKindFields()
}

// validateKindFields checks that each kind carries exactly its fields.
// Unknown kinds pass: they come from newer clients and are applied as
// no-ops, which is the forward-compatibility rule of the format.
func (a *AUM) validateKindFields() error {
	switch a.MessageKind {
	case AUMAddKey:
		if a.Key == nil {
			return errors.New("add-key AUM has no Key")
		}
		if a.KeyID != nil || a.State != nil || a.Votes != nil || a.Meta != nil {
			return errors.New("add-key AUM may carry only a Key")
		}
	case AUMRemoveKey:
		if len(a.KeyID) == 0 {
			return errors.New("remove-key AUM has no KeyID")
		}
		if a.Key != nil || a.State != nil || a.Votes != nil || a.Meta != nil {
			return errors.New("remove-key AUM may carry only a KeyID")
		}
	case AUMUpdateKey:
		if len(a.KeyID) == 0 {
			return errors.New("update-key AUM has no KeyID")
		}
		if a.Meta == nil && a.Votes == nil {
			return errors.New("update-key AUM changes neither Votes nor Meta")
		}
		if a.Key != nil || a.State != nil {
			return errors.New("update-key AUM may carry only KeyID, Votes and Meta")
		}
	case AUMCheckpoint:
		if a.State == nil {
			return errors.New("checkpoint AUM has no State")
		}
		if a.KeyID != nil || a.Key != nil || a.Votes != nil || a.Meta != nil {
			return errors.New("checkpoint AUM may carry only a State")
		}
	}
	return nil
}

// weight is the sum of the votes of the distinct keys of state that signed
// a. The caller has verified the signatures.
func (a *AUM) weight(state *State) uint {
	var w uint
	seen := make([]KeyID, 0, len(a.Signatures))
outer:
	for _, sig := range a.Signatures {
		for _, id := range seen {
			if string(id) == string(sig.KeyID) {
				continue outer
			}
		}
		if k := state.key(sig.KeyID); k != nil {
			w += k.Votes
			seen = append(seen, sig.KeyID)
		}
	}
	return w
}
