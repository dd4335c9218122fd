package hsm

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"errors"

	"filippo.io/edwards25519"
)

// Why Ed25519 signing is written out here rather than calling
// crypto/ed25519: since Go 1.24 crypto/ed25519.Sign keeps the expanded
// private key (seed, secret scalar, nonce prefix) in a process-wide cache
// keyed by the address of the caller's key, for as long as that memory is
// reachable. Wiping the caller's slice does not wipe that copy, and a key
// in locked memory outside the Go heap (a [Secret]) crashes the cache
// ("getWeakHandle on invalid pointer"). The steps below are RFC 8032,
// section 5.1.6, on filippo.io/edwards25519 (which crypto/ed25519 and
// ed25519consensus build on too); every signature is verified against the
// public key before anyone sees it, and the tests compare the output byte
// for byte with crypto/ed25519.

// ExpandedKeySize is the length of an expanded Ed25519 key in a Secret:
// the secret scalar s, the nonce prefix and the public key, 32 bytes each.
const ExpandedKeySize = 96

// ExpandSeed derives the expanded signing key of an Ed25519 seed into a
// new locked [Secret] and checks that its public key is pub. It does not
// wipe seed. Call it inside [Erasing]: the hash state it uses holds the
// seed.
func ExpandSeed(seed []byte, pub ed25519.PublicKey) (*Secret, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("the seed is not 32 bytes")
	}
	h := sha512.Sum512(seed)
	defer clear(h[:])
	s, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		return nil, err
	}
	A := new(edwards25519.Point).ScalarBaseMult(s)
	if !bytes.Equal(A.Bytes(), pub) {
		return nil, errors.New("the seed does not belong to the public key")
	}
	k := NewSecret(ExpandedKeySize)
	k.Append(s.Bytes()...)
	k.Append(h[32:]...)
	k.Append(pub...)
	return k, nil
}

// SignExpanded signs msg with an expanded key made by [ExpandSeed] and
// returns the 64-byte signature. It does not verify it; callers do, with
// [CheckSignature]. Call it inside [Erasing].
func SignExpanded(key *Secret, msg []byte) ([]byte, error) {
	k := key.Bytes()
	if len(k) != ExpandedKeySize {
		return nil, errors.New("the expanded key is closed or damaged")
	}
	s, err := edwards25519.NewScalar().SetCanonicalBytes(k[:32])
	if err != nil {
		return nil, errors.New("the expanded key is damaged")
	}
	prefix, pub := k[32:64], k[64:96]

	mh := sha512.New()
	mh.Write(prefix)
	mh.Write(msg)
	var digest [64]byte
	mh.Sum(digest[:0])
	r, err := edwards25519.NewScalar().SetUniformBytes(digest[:])
	if err != nil {
		return nil, err
	}
	R := new(edwards25519.Point).ScalarBaseMult(r)

	kh := sha512.New()
	kh.Write(R.Bytes())
	kh.Write(pub)
	kh.Write(msg)
	kh.Sum(digest[:0])
	c, err := edwards25519.NewScalar().SetUniformBytes(digest[:])
	if err != nil {
		return nil, err
	}
	S := edwards25519.NewScalar().MultiplyAdd(c, s, r)

	sig := make([]byte, 0, ed25519.SignatureSize)
	sig = append(sig, R.Bytes()...)
	return append(sig, S.Bytes()...), nil
}
