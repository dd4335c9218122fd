package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// ExactArgs returns a cobra.PositionalArgs that wants exactly n
// arguments, named in what (for example "NODEKEY"), and returns a usage
// error that says what was wrong.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return Usagef("%s wants %d argument(s) (%s), got %d", cmd.CommandPath(), n, what, len(args))
	}
}

// MinArgs returns a cobra.PositionalArgs that wants at least n
// arguments, named in what.
func MinArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return Usagef("%s wants at least %d argument(s) (%s), got %d", cmd.CommandPath(), n, what, len(args))
	}
}

// MaxArgs returns a cobra.PositionalArgs that wants at most n arguments,
// named in what.
func MaxArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		return Usagef("%s wants at most %d argument(s) (%s), got %d", cmd.CommandPath(), n, what, len(args))
	}
}

// NoVerb is the RunE of a command that only groups verbs ("signet
// journal"): run without one, it is a usage error that says how to list
// them.
func NoVerb(cmd *cobra.Command, _ []string) error {
	return Usage(WithHint(fmt.Errorf("no %s verb given", cmd.Name()), fmt.Sprintf("run '%s --help' to list them", cmd.CommandPath())))
}

// UnknownVerb is the Args of a root command: anything that is not a
// known verb is a usage error, with the nearest verb suggested when one
// is close enough. Cobra only calls it when no subcommand matched.
func UnknownVerb(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hints := []string{fmt.Sprintf("run '%s --help' to list the verbs", cmd.CommandPath())}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hints = append([]string{fmt.Sprintf("did you mean %q?", s[0])}, hints...)
	}
	return Usage(WithHint(fmt.Errorf("unknown verb %q", args[0]), hints...))
}

// NoRootVerb is the RunE of a root command: without a verb there is
// nothing to do.
func NoRootVerb(cmd *cobra.Command, _ []string) error {
	return Usage(WithHint(fmt.Errorf("no verb given"), fmt.Sprintf("run '%s --help' to list the verbs", cmd.CommandPath())))
}
