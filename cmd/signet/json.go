package main

// Every --json output of a read verb follows docs/json.md (the rules are
// internal/cli's json.go). `signet log --json` is the one exception: it
// prints tailscale's own format.

import "github.com/signetbox/signet/internal/cli"

var (
	addJSONFlag      = cli.AddJSONFlag
	checkJSONVersion = cli.CheckJSONVersion
	writeJSON        = cli.WriteJSON
)

// emptyIfNil returns s, or [] for nil (cli.EmptyIfNil).
func emptyIfNil[T any](s []T) []T { return cli.EmptyIfNil(s) }
