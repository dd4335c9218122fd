package tka

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"

	"filippo.io/edwards25519"
)

// batchVerify checks many ZIP-215 Ed25519 signatures with one
// multi-scalar multiplication, as ed25519consensus's batch verifier does,
// with one change: signatures by the same public key share one term.
// Chains and tailnets are signed by a handful of keys, so the
// multiplication shrinks from 2n+1 points to n+1+keys, and each key is
// decompressed once.
//
// With random 128-bit z_i, the equation checked is
//
//	[8]( -[Σ z_i s_i]B + Σ [z_i]R_i + Σ_A [Σ_{i by A} z_i k_i]A ) = 0
//
// which regroups the usual batch equation's A terms by key; the verdict is
// that of verifying each signature alone under ZIP-215 (cofactored,
// non-canonical point encodings allowed, s < L required).
func batchVerify(items []batchItem) bool {
	n := len(items)
	if n == 0 {
		return false
	}
	zbuf := make([]byte, 16*n)
	if _, err := rand.Read(zbuf); err != nil {
		return false
	}
	keyIndex := make(map[[32]byte]int, 4)
	var (
		bCoeff  edwards25519.Scalar
		rCoeffs = make([]edwards25519.Scalar, n)
		rPoints = make([]edwards25519.Point, n)
		aCoeffs []edwards25519.Scalar
		aPoints []edwards25519.Point
		wide    [64]byte
		zBytes  [32]byte
	)
	for i, it := range items {
		if len(it.pub) != ed25519.PublicKeySize || len(it.sig) != ed25519.SignatureSize {
			return false
		}
		if _, err := rPoints[i].SetBytes(it.sig[:32]); err != nil {
			return false
		}
		s, err := new(edwards25519.Scalar).SetCanonicalBytes(it.sig[32:])
		if err != nil {
			return false
		}
		key := [32]byte(it.pub)
		j, seen := keyIndex[key]
		if !seen {
			var A edwards25519.Point
			if _, err := A.SetBytes(it.pub); err != nil {
				return false
			}
			j = len(aPoints)
			keyIndex[key] = j
			aPoints = append(aPoints, A)
			aCoeffs = append(aCoeffs, edwards25519.Scalar{})
		}
		h := sha512.New()
		h.Write(it.sig[:32])
		h.Write(it.pub)
		h.Write(it.msg)
		h.Sum(wide[:0])
		k, err := new(edwards25519.Scalar).SetUniformBytes(wide[:])
		if err != nil {
			return false
		}
		copy(zBytes[:16], zbuf[16*i:])
		if _, err := rCoeffs[i].SetCanonicalBytes(zBytes[:]); err != nil {
			return false
		}
		bCoeff.MultiplyAdd(&rCoeffs[i], s, &bCoeff)
		aCoeffs[j].MultiplyAdd(&rCoeffs[i], k, &aCoeffs[j])
	}
	bCoeff.Negate(&bCoeff)
	scalars := make([]*edwards25519.Scalar, 0, 1+n+len(aPoints))
	points := make([]*edwards25519.Point, 0, 1+n+len(aPoints))
	scalars = append(scalars, &bCoeff)
	points = append(points, edwards25519.NewGeneratorPoint())
	for i := range rPoints {
		scalars = append(scalars, &rCoeffs[i])
		points = append(points, &rPoints[i])
	}
	for j := range aPoints {
		scalars = append(scalars, &aCoeffs[j])
		points = append(points, &aPoints[j])
	}
	check := new(edwards25519.Point).VarTimeMultiScalarMult(scalars, points)
	check.MultByCofactor(check)
	return check.Equal(edwards25519.NewIdentityPoint()) == 1
}
