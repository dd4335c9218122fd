package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Execute runs the command tree root on args and returns the exit status.
// Errors are printed to stderr by [PrintError] under root's name; data
// goes to stdout. An error cobra raises before a command runs (an unknown
// flag, a bad flag value, wrong arguments) is a usage error, as is any
// error marked with [Usage].
func Execute(ctx context.Context, root *cobra.Command, args []string, stdout, stderr io.Writer) int {
	ran := markRun(root)
	root.SilenceUsage, root.SilenceErrors = true, true
	root.SetArgs(append([]string{}, args...))
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	PrintError(stderr, root.Name(), err)
	if IsUsage(err) || !*ran {
		return ExitUsage
	}
	return ExitError
}

// FlagError is a cobra flag error function: it makes a flag parsing
// error a usage error that names the help of the command at fault. Set
// it with SetFlagErrorFunc on the root; subcommands inherit it.
func FlagError(cmd *cobra.Command, err error) error {
	return Usage(WithHint(err, fmt.Sprintf("run '%s --help' for its flags", cmd.CommandPath())))
}

// NoArgs is a cobra.PositionalArgs for commands that take no arguments.
// Unlike cobra.NoArgs it returns a usage error that says what was wrong.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return Usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
}

// markRun wraps the run function of every command in the tree so that
// Execute can tell an error of a command that ran from one cobra raised
// while parsing flags or checking arguments.
func markRun(root *cobra.Command) *bool {
	ran := new(bool)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if f := c.RunE; f != nil {
			c.RunE = func(c *cobra.Command, args []string) error { *ran = true; return f(c, args) }
		}
		if f := c.Run; f != nil {
			c.Run = func(c *cobra.Command, args []string) { *ran = true; f(c, args) }
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return ran
}
