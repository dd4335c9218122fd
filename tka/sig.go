package tka

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/hdevalence/ed25519consensus"
	"golang.org/x/crypto/blake2s"
)

// SigKind is the kind of a NodeKeySignature.
type SigKind uint8

// Signature kinds. Wire values: do NOT reorder.
const (
	SigInvalid SigKind = iota
	// SigDirect: a trusted key signs a node key.
	SigDirect
	// SigRotation: the wrapping key of a nested signature signs a new node
	// key (key rotation, or a wrapped pre-auth key's one-time key).
	SigRotation
	// SigCredential: a trusted key delegates signing to WrappingPubkey; it
	// authorizes nothing on its own and must be nested in a SigRotation.
	SigCredential
)

// String returns the name tailscale.com prints for the kind.
func (k SigKind) String() string {
	switch k {
	case SigInvalid:
		return "invalid"
	case SigDirect:
		return "direct"
	case SigRotation:
		return "rotation"
	case SigCredential:
		return "credential"
	default:
		return fmt.Sprintf("Sig?<%d>", int(k))
	}
}

// NodeKeySignature authorizes a node key (or, as a credential, a wrapping
// key) on behalf of a trusted key.
type NodeKeySignature struct {
	SigKind SigKind `cbor:"1,keyasint"`
	// Pubkey is the node key in its binary form ("np" + 32 bytes); unset in
	// a credential.
	Pubkey []byte `cbor:"2,keyasint,omitempty"`
	// KeyID names the trusted key that signed a direct or credential
	// signature.
	KeyID []byte `cbor:"3,keyasint,omitempty"`
	// Signature is the Ed25519 signature over SigHash.
	Signature []byte `cbor:"4,keyasint,omitempty"`
	// Nested is the signature a rotation wraps.
	Nested *NodeKeySignature `cbor:"5,keyasint,omitempty"`
	// WrappingPubkey is the Ed25519 key allowed to sign a rotation that
	// wraps this signature.
	WrappingPubkey []byte `cbor:"6,keyasint,omitempty"`
}

// DecodeNodeKeySignature decodes a serialized signature strictly.
func DecodeNodeKeySignature(b []byte) (*NodeKeySignature, error) {
	s := new(NodeKeySignature)
	if err := decMode.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("decoding node-key signature: %w", err)
	}
	return s, nil
}

// Serialize returns the canonical CBOR encoding of s.
func (s *NodeKeySignature) Serialize() []byte { return s.appendTo(make([]byte, 0, 160), true) }

// SigHash returns the digest the signature is made over: the hash of the
// serialization without the outer Signature.
func (s *NodeKeySignature) SigHash() SigHash {
	return blake2s.Sum256(s.appendTo(make([]byte, 0, 160), false))
}

func (s *NodeKeySignature) appendTo(b []byte, withSig bool) []byte {
	e := enc{b: b}
	s.encode(&e, withSig)
	return e.b
}

func (s *NodeKeySignature) encode(e *enc, withSig bool) {
	hasSig := withSig && len(s.Signature) > 0
	e.mapHeader(1 + countTrue(len(s.Pubkey) > 0, len(s.KeyID) > 0, hasSig,
		s.Nested != nil, len(s.WrappingPubkey) > 0))
	e.key(1)
	e.uint(uint64(s.SigKind))
	if len(s.Pubkey) > 0 {
		e.key(2)
		e.bytes(s.Pubkey)
	}
	if len(s.KeyID) > 0 {
		e.key(3)
		e.bytes(s.KeyID)
	}
	if hasSig {
		e.key(4)
		e.bytes(s.Signature)
	}
	if s.Nested != nil {
		e.key(5)
		s.Nested.encode(e, true)
	}
	if len(s.WrappingPubkey) > 0 {
		e.key(6)
		e.bytes(s.WrappingPubkey)
	}
}

// WrappingPublic returns the key that must sign a rotation wrapping s: its
// own WrappingPubkey, or for a rotation, that of the signature it nests.
// The result is unverified.
func (s *NodeKeySignature) WrappingPublic() (ed25519.PublicKey, bool) {
	for cur := s; cur != nil; cur = cur.Nested {
		if len(cur.WrappingPubkey) > 0 {
			return ed25519.PublicKey(cur.WrappingPubkey), true
		}
		if cur.SigKind != SigRotation {
			return nil, false
		}
	}
	return nil, false
}

// AuthorizingKeyID returns the ID of the trusted key the signature chains
// to. The result is unverified.
func (s *NodeKeySignature) AuthorizingKeyID() (KeyID, error) {
	cur := s
	for cur.SigKind == SigRotation {
		if cur.Nested == nil {
			return nil, errors.New("rotation signature has no nested signature")
		}
		cur = cur.Nested
	}
	switch cur.SigKind {
	case SigDirect, SigCredential:
		if len(cur.KeyID) == 0 {
			return nil, errors.New("signature names no key ID")
		}
		return KeyID(cur.KeyID), nil
	}
	return nil, fmt.Errorf("signature kind %v cannot authorize a node", cur.SigKind)
}

// PrevNodeKeys lists the node keys a rotation signature has rotated out,
// newest first.
func (s *NodeKeySignature) PrevNodeKeys() ([]NodeKey, error) {
	var out []NodeKey
	if s.SigKind != SigRotation {
		return nil, nil
	}
	for n := s.Nested; n != nil; n = n.Nested {
		if len(n.Pubkey) > 0 {
			nk, err := NodeKeyFromBinary(n.Pubkey)
			if err != nil {
				return nil, fmt.Errorf("nested pubkey: %w", err)
			}
			out = append(out, nk)
		}
		if n.SigKind != SigRotation {
			break
		}
	}
	return out, nil
}

// edCheck is one Ed25519 check a node-key signature needs. Rotation
// signatures are checked with crypto/ed25519 (strict, cofactorless) and all
// others with ZIP-215, as tailscale.com does: only ZIP-215 checks may be
// batched without changing a verdict.
type edCheck struct {
	pub, msg, sig []byte
	zip215        bool
}

func (c edCheck) ok() bool {
	if c.zip215 {
		return ed25519consensus.Verify(c.pub, c.msg, c.sig)
	}
	return ed25519.Verify(c.pub, c.msg, c.sig)
}

// plan works out, without checking any signature, whether s could
// authorize nodeKey under the key trusted, and appends the Ed25519 checks
// that must all pass. The order of structural checks is tailscale.com's, so
// a signature that fails two rules names the same one.
//
// NOTE: nodeKey is nil when s is a credential nested in a rotation:
// credentials certify a wrapping key, not a node key.
func (s *NodeKeySignature) plan(nodeKey []byte, trusted *Key, checks []edCheck) ([]edCheck, error) {
	if s.SigKind != SigCredential && !bytes.Equal(nodeKey, s.Pubkey) {
		return checks, errors.New("signature does not authorize this node key")
	}
	sigHash := s.SigHash()
	switch s.SigKind {
	case SigRotation:
		if s.Nested == nil {
			return checks, errors.New("rotation signature has no nested signature")
		}
		pub, ok := s.Nested.WrappingPublic()
		if !ok {
			return checks, errors.New("rotation signature: the nested signature names no wrapping key")
		}
		if len(pub) != ed25519.PublicKeySize {
			return checks, fmt.Errorf("rotation signature: wrapping key is %d bytes, want 32", len(pub))
		}
		checks = append(checks, edCheck{pub: pub, msg: sigHash[:], sig: s.Signature})
		var nested []byte
		if s.Nested.SigKind != SigCredential {
			if _, err := NodeKeyFromBinary(s.Nested.Pubkey); err != nil {
				return checks, fmt.Errorf("nested pubkey: %w", err)
			}
			nested = s.Nested.Pubkey
		}
		checks, err := s.Nested.plan(nested, trusted, checks)
		if err != nil {
			return checks, fmt.Errorf("nested: %w", err)
		}
		return checks, nil
	case SigDirect, SigCredential:
		if s.Nested != nil {
			return checks, fmt.Errorf("%v signature must not nest another signature", s.SigKind)
		}
		if trusted.Kind != Key25519 {
			return checks, fmt.Errorf("unhandled key kind %v", trusted.Kind)
		}
		if len(trusted.Public) != ed25519.PublicKeySize {
			return checks, fmt.Errorf("trusted key is %d bytes, want 32", len(trusted.Public))
		}
		return append(checks, edCheck{pub: trusted.Public, msg: sigHash[:], sig: s.Signature, zip215: true}), nil
	}
	return checks, fmt.Errorf("unhandled signature kind %v", s.SigKind)
}
