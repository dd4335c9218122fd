package tka

import "golang.org/x/crypto/argon2"

// disablementSalt is the fixed Argon2id salt of the disablement KDF.
var disablementSalt = []byte("tailscale network-lock disablement salt")

// Parameters of the disablement KDF (wire facts: changing any of them
// changes every disablement value).
//
// NOTE: the KDF is Argon2i (argon2.Key), not Argon2id: that is what
// tailscale.com computes, and the conformance tests pin it.
const (
	kdfTime    = 4
	kdfMemory  = 16 * 1024 // KiB
	kdfThreads = 4
)

// DisablementKDF derives the public disablement value stored in the
// authority from a disablement secret. The value cannot be reversed to the
// secret.
func DisablementKDF(secret []byte) []byte {
	return argon2.Key(secret, disablementSalt, kdfTime, kdfMemory, kdfThreads, disablementLength)
}
