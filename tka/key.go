package tka

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"maps"
)

// KeyKind is the kind of a trusted key.
type KeyKind uint8

// Key kinds. Wire values: do NOT reorder.
const (
	KeyInvalid KeyKind = iota
	Key25519
)

// String returns the name tailscale.com prints for the kind.
func (k KeyKind) String() string {
	switch k {
	case KeyInvalid:
		return "invalid"
	case Key25519:
		return "25519"
	default:
		return fmt.Sprintf("Key?<%d>", int(k))
	}
}

// KeyID names a trusted key. For an Ed25519 key it is the 32-byte public
// key itself.
type KeyID []byte

// Key is a key trusted by the authority.
type Key struct {
	Kind KeyKind `cbor:"1,keyasint"`
	// Votes weighs this key's signatures when forks are resolved.
	Votes uint `cbor:"2,keyasint"`
	// Public is the public key; for Key25519 the 32-byte Ed25519 point.
	Public []byte `cbor:"3,keyasint"`
	// Meta is free-form metadata, at most maxMetaBytes in all.
	Meta map[string]string `cbor:"12,keyasint,omitempty"`
}

// ID returns the key's KeyID.
func (k Key) ID() (KeyID, error) {
	if k.Kind != Key25519 {
		return nil, fmt.Errorf("unknown key kind %v", k.Kind)
	}
	return KeyID(k.Public), nil
}

// Ed25519 returns the key as an Ed25519 public key.
func (k Key) Ed25519() (ed25519.PublicKey, error) {
	if k.Kind != Key25519 {
		return nil, fmt.Errorf("key is of kind %v, not ed25519", k.Kind)
	}
	return ed25519.PublicKey(k.Public), nil
}

// Clone returns a deep copy of k. A nil Public or Meta stays nil, because
// nil and empty encode differently.
func (k Key) Clone() Key {
	out := k
	if k.Public != nil {
		out.Public = bytes.Clone(k.Public)
	}
	if k.Meta != nil {
		out.Meta = maps.Clone(k.Meta)
	}
	return out
}

// Validate checks the rules every trusted key must meet.
func (k Key) Validate() error {
	if k.Votes > maxKeyVotes {
		return fmt.Errorf("key votes %d exceed the maximum of %d", k.Votes, maxKeyVotes)
	}
	if k.Votes == 0 {
		return errors.New("key votes must be at least 1")
	}
	var metaBytes int
	for mk, mv := range k.Meta {
		metaBytes += len(mk) + len(mv)
	}
	if metaBytes > maxMetaBytes {
		return fmt.Errorf("key metadata is %d bytes, more than the maximum of %d", metaBytes, maxMetaBytes)
	}
	if k.Kind != Key25519 {
		return fmt.Errorf("key kind %v is not supported (only 25519)", k.Kind)
	}
	return nil
}

// NewEd25519Key returns a Key25519 for pub with the given votes.
func NewEd25519Key(pub ed25519.PublicKey, votes uint) Key {
	return Key{Kind: Key25519, Votes: votes, Public: bytes.Clone(pub)}
}

func (k *Key) encode(e *enc) {
	hasMeta := len(k.Meta) > 0
	e.mapHeader(3 + countTrue(hasMeta))
	e.key(1)
	e.uint(uint64(k.Kind))
	e.key(2)
	e.uint(uint64(k.Votes))
	e.key(3)
	e.bytes(k.Public)
	if hasMeta {
		e.key(12)
		e.textMap(k.Meta)
	}
}
