// Package hsm is where the Tailnet Lock signing key lives: one small [Key]
// interface that every backend (hsm/tpm, hsm/piv, hsm/soft) implements.
//
// # One unlock per decision
//
// [Key.Unlock] asks for the PIN once and returns a [Session] that signs
// every digest of one approved decision (a batch, a rotation step, a
// ceremony step) until Close; [Key.Sign] is an unlock for one signature.
// Secrets a backend holds meanwhile live in a locked [Secret], and code
// that handles them runs under [Erasing].
//
// # Key URIs
//
// A key is named by a URI that [ParseURI] checks and [Open] dispatches to the
// backend registered for its scheme:
//
//	tpm:/var/lib/signet/key.tpm?device=/dev/tpmrm0
//	tpm:/var/lib/signet/key.tpm?device=tcp://127.0.0.1:2321
//	tpm:/var/lib/signet/key.tpm?device=unix:///run/swtpm/sock
//	piv:serial=12345678;slot=9c
//	soft:/var/lib/signet/key.soft
//
// Backends register themselves with [Register] from their init functions, so
// this package imports no hardware or cgo code; a binary links a backend by
// importing it (usually blank).
//
// # Errors
//
// Backends wrap the sentinel errors below ([ErrWrongPIN], [ErrLockout],
// [ErrPolicy], [ErrNoDevice], [ErrForeignBlob], [ErrCorruptBlob],
// [ErrCanceled], [ErrBadSignature]) so callers can branch with errors.Is; a
// wrong PIN also carries the tries left in a [*WrongPINError].
package hsm
