package main

import (
	"errors"

	"github.com/signetbox/signet/statedir"
)

// loadKeyState reads the key files of the state directory dir; without a
// key, the error says how to make one.
func loadKeyState(dir string) (*statedir.KeyState, error) {
	ks, err := statedir.LoadKey(dir)
	if errors.Is(err, statedir.ErrNoKey) {
		return nil, withHint(err, "run 'signet key init --hsm tpm' (or piv) to make one, or pass --state")
	}
	return ks, err
}
