package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// verbs lists the constructors of every top-level verb (help lists them
// sorted by name). A new verb is one file with its constructor and args struct, plus one
// line here.
var verbs = []func() *cobra.Command{
	newVersionCmd,
	newKeyCmd,
	newServeCmd,
	newStatusCmd,
	newSignCmd,
	newAddCmd,
	newRemoveCmd,
	newWrapAuthKeyCmd,
	newRevokeKeysCmd,
	newJournalCmd,
	newChainCmd,
	newLogCmd,
	newApproveCmd,
	newRotateCmd,
	newRevokeDeviceCmd,
	newReviewCmd,
	newCeremonyCmd,
	newDisablementCmd,
	newDisablementKDFCmd,
	newWGCmd,
}

// Exit codes of the signet binary.
const (
	exitOK    = 0
	exitError = 1 // the verb ran and failed
	exitUsage = 2 // the command line was wrong; nothing ran
)

// newRootCmd builds the whole command tree. Help, man pages and completion
// all come from this one tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "signet",
		Short: "Hardware-backed Tailnet Lock signing node",
		Long: `signet keeps a Tailnet Lock signing key in a TPM 2.0 or a YubiKey PIV slot
and signs only what a person confirms on the box's own console. Every
request and decision is journaled.`,
		Args:          rootArgs,
		RunE:          runRoot,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Suggest a verb within two edits of a typo.
		SuggestionsMinimumDistance: 2,
	}
	addStateDirFlag(root)
	for _, newVerb := range verbs {
		root.AddCommand(newVerb())
	}
	root.SetFlagErrorFunc(flagError)
	setHelp(root)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

// rootArgs rejects anything that is not a known verb. Cobra only calls it
// when no subcommand matched.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hints := []string{"run 'signet --help' to list the verbs"}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hints = append([]string{fmt.Sprintf("did you mean %q?", s[0])}, hints...)
	}
	return usageErr(withHint(fmt.Errorf("unknown verb %q", args[0]), hints...))
}

// runRoot handles a bare "signet": without a verb there is nothing to do.
func runRoot(cmd *cobra.Command, args []string) error {
	return usageErr(withHint(fmt.Errorf("no verb given"), "run 'signet --help' to list the verbs"))
}

// flagError turns a flag parsing error into a usage error that names the
// help of the verb at fault.
func flagError(cmd *cobra.Command, err error) error {
	hint := fmt.Sprintf("run '%s --help' for its flags", cmd.CommandPath())
	return usageErr(withHint(err, hint))
}

// run executes one command line and returns the process exit code. Errors
// are printed to stderr; data goes to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if err := refuseSecretArgs(args); err != nil {
		printError(stderr, err)
		return exitUsage
	}
	root := newRootCmd()
	ran := markRun(root)
	root.SetArgs(append([]string{}, args...))
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	printError(stderr, err)
	if isUsage(err) || !*ran {
		return exitUsage
	}
	return exitError
}

// markRun wraps the run function of every command in the tree so that run
// can tell an error of a verb that ran from an error cobra raised while
// parsing flags or checking arguments: the latter are usage errors.
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
