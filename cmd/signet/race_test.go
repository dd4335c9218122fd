//go:build race

package main

// The race detector makes the tamper matrix several times slower; under
// it the matrix judges a sample, and `make tamper` (part of `make test`)
// runs it in full without it.
func init() { raceEnabled = true }
