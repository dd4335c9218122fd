// Package vpiv is a software PIV card that looks like a YubiKey 5.7 to
// piv-go, reached through the real PC/SC stack: pcscd loads the vsmartcard
// vpcd driver, which listens on TCP 127.0.0.1:35963 (reader "Virtual PCD 00
// 00") and 35964 ("Virtual PCD 00 01"), and a [Card] dials it and answers
// the driver's control messages and command APDUs.
//
// It is a test fixture, not a security device: keys live in process memory,
// and vpcd accepts cards from anyone who can reach its port, so use it only
// in test containers.
//
// # Coverage
//
// The card answers the APDUs piv-go v2.6.0 sends for PIN and PUK handling,
// management-key authentication (3DES, AES-128/192/256), Ed25519 (algorithm
// 0xE0) key generation, import and signing, metadata, data objects,
// attestation, and command and response chaining. Touch and unplug are test
// hooks ([Card.SetTouch], [Card.Unplug]).
package vpiv
