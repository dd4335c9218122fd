// Package keysetup makes the box's signing key and looks after its PIN:
// it validates the choice of backend and its settings ([Options]), makes
// the key in a TPM, a YubiKey PIV slot or (development only) a
// passphrase-protected file and records it in the state directory
// ([Init], [Make]), and changes the PIN or resets the lockout of a key
// already made ([ChangePIN], [ResetLockout]).
//
// Secrets (PINs, PUKs, passphrases, lockout secrets, management keys) are
// typed on or shown once on a [Console], the terminal, and are wiped after
// use; they never reach errors, logs or files.
package keysetup
