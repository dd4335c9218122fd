package main

import (
	"errors"

	"github.com/signetbox/signet/keysetup"
	"github.com/signetbox/signet/terminal"
)

// openConsole opens the terminal a person types secrets on
// (terminal.OpenLine), with the hint that nothing else is read.
func openConsole() (*terminal.Line, error) {
	con, err := terminal.OpenLine()
	if errors.Is(err, terminal.ErrNoTerminal) {
		return nil, withHint(err, "secrets are never read from flags, the environment or a pipe")
	}
	return con, err
}

// keyConsole is openConsole for keysetup, which opens the console only
// once it needs it.
func keyConsole() (keysetup.Console, error) {
	con, err := openConsole()
	if err != nil {
		return nil, err
	}
	return con, nil
}
