// Package piv keeps signet's Tailnet Lock key in a YubiKey PIV slot: an
// Ed25519 key (PIV algorithm 0xE0, firmware 5.7 or newer) generated on the
// card, never imported, used through pcscd with piv-go.
//
// [Provision] replaces the default PIN, PUK and management key and generates
// the key; [Open] finds the card by serial and returns a [Key] that signs
// 32-byte Tailnet Lock hashes, asking for the PIN and the touch its policies
// need; [Key.Attest] proves the key was made on a YubiKey.
//
// # Sharing the card
//
// piv-go opens a card exclusively and holds it until Close: while a Key is
// open, no other process, and no other Key, [Provision] or [Unblock] in
// this one, sees the card. [Key.Unblock] works on an open Key.
//
// # Tests
//
// The tests run through the real PC/SC stack: piv-go, pcscd, the vpcd
// reader driver and the software card in internal/vpiv. They start pcscd
// when needed and skip without it unless CI is "true".
//
// # Errors
//
// Every error is one line that says what to do next. Callers tell cases
// apart with errors.Is against [ErrNoDevice], [ErrWrongSerial],
// [ErrCardRemoved], [ErrWrongPIN], [ErrPINBlocked], [ErrTouchTimeout],
// [ErrFirmware] and [ErrCanceled]; a wrong PIN is a [*PINError] carrying the
// tries left. No error or log line carries a PIN, PUK or management key.
package piv
