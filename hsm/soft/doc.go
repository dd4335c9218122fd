// Package soft is an INSECURE software backend for hsm, for development and
// CI only: an Ed25519 seed in a file encrypted with a passphrase.
//
// The passphrase is stretched with Argon2id and the seed sealed with
// XChaCha20-Poly1305. The file (0600) is written atomically: once by
// [Create], and again by [ChangePassphrase], which seals the same seed under
// a new passphrase with a fresh salt and nonce. An open key holds the seed
// in process memory until Close, so anyone who can read the process can
// take the key: use hsm/tpm or hsm/piv on a real signing box.
//
// Importing the package registers the "soft" scheme with [hsm.Register].
package soft
