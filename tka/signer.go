package tka

import (
	"context"
	"crypto/ed25519"
)

// Signer makes Ed25519 signatures over 32-byte Tailnet Lock signing hashes
// (an AUM SigHash or a NodeKeySignature SigHash) with a key that may live in
// hardware.
//
// Sign must return a 64-byte Ed25519 signature over exactly the 32 bytes of
// hash, made by the key whose public half PublicKey returns. Sign may block
// for a PIN or a touch and must give up with ctx.Err() when ctx is done.
type Signer interface {
	PublicKey() ed25519.PublicKey
	Sign(ctx context.Context, hash [32]byte) ([]byte, error)
}
