package main

import (
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/internal/cli"
)

// noArgs is a cobra.PositionalArgs for verbs that take no arguments. Unlike
// cobra.NoArgs it returns a usage error that says what was wrong.
var noArgs = cli.NoArgs

// exactArgs returns a cobra.PositionalArgs that wants exactly n arguments,
// named in what (for example "NODEKEY").
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return usageErrorf("%s wants %d argument(s) (%s), got %d", cmd.CommandPath(), n, what, len(args))
	}
}

// minArgs returns a cobra.PositionalArgs that wants at least n arguments,
// named in what.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return usageErrorf("%s wants at least %d argument(s) (%s), got %d", cmd.CommandPath(), n, what, len(args))
	}
}
