// Package testrig is what the tests that run the real daemon share: a
// state directory with a soft key or with a key sealed to a software TPM
// (swtpm), written as 'signet key init' writes it, and an operator that
// watches the daemon's console, types the PIN at every prompt and answers
// each review. Only _test.go files import it; it is never linked into a
// binary (scripts/check-binary.sh checks that).
package testrig
