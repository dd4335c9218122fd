// Package tka is a Tailnet Lock (Tailnet Key Authority) library that agrees
// byte for byte with the tailscale.com/tka package on the wire, and on every
// verdict, while dropping its scan limits and doing less work per AUM.
//
// # What is here
//
//   - The wire types: [AUM], [Key], [State], [Signature] and
//     [NodeKeySignature], their canonical CBOR encoding and strict decoding.
//   - [Authority]: a chain of AUMs kept in a [Store], verified with ZIP-215
//     Ed25519 (batch verification where the rules allow it), forks resolved
//     exactly as tailscale.com resolves them.
//   - Node-key authorization, one at a time or in bulk.
//   - Updates built on the current head and signed through a [Signer], so
//     the key can live in hardware; recovery AUMs and their co-signing.
//   - Disablement values, sign-device deeplinks, wrapped pre-auth keys, the
//     text forms the stock client prints, and import of `tailscale lock log
//     --json` output and hex AUMs.
//
// The package is pure: it does no I/O of its own and reaches no hardware.
// Storage is the [Store] interface; signing is the [Signer] interface.
package tka
