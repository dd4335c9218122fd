// Package signer owns signet's workflow: request intake, validation against
// the authority, the console confirmation, the journal, signing through an
// hsm key, and the chain store that keeps the authority on disk.
package signer
