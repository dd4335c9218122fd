package main

// Rules for this file: every error reaches the user as exactly one line
// "signet: error: <msg>" on stderr, followed by zero or more
// "signet: hint: <next step>" lines. Nothing else is printed for an error.
// The contract is internal/cli's, shared with signet-relay; the verbs
// call it through the short names below.

import (
	"io"

	"github.com/signetbox/signet/internal/cli"
)

// prog is the binary's name in messages, usage lines and man pages.
const prog = "signet"

var (
	// withHint attaches hints (next steps) to err. A nil err stays nil.
	withHint = cli.WithHint
	// usageErr marks err as a usage error (exit status 2). A nil err
	// stays nil.
	usageErr = cli.Usage
	// usageErrorf formats a usage error.
	usageErrorf = cli.Usagef
	// oneLine folds a message onto one line and escapes control and
	// format characters.
	oneLine = cli.OneLine
)

// printError writes err as one error line plus the hint lines it carries.
func printError(w io.Writer, err error) { cli.PrintError(w, prog, err) }
