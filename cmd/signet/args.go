package main

import "github.com/signetbox/signet/internal/cli"

// The positional-argument checks of the verbs (internal/cli): each
// returns a usage error that says what was wrong.
var (
	noArgs    = cli.NoArgs
	exactArgs = cli.ExactArgs
	minArgs   = cli.MinArgs
	maxArgs   = cli.MaxArgs
	// noVerb is the RunE of a command that only groups verbs.
	noVerb = cli.NoVerb
)
