package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/internal/cli"
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

// newRootCmd builds the whole command tree. Help, man pages and completion
// all come from this one tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   prog,
		Short: "Hardware-backed Tailnet Lock signing node",
		Long: `signet keeps a Tailnet Lock signing key in a TPM 2.0 or a YubiKey PIV slot
and signs only what a person confirms on the box's own console. Every
request and decision is journaled.`,
		Args: cli.UnknownVerb,
		RunE: cli.NoRootVerb,
		// Suggest a verb within two edits of a typo.
		SuggestionsMinimumDistance: 2,
	}
	addStateDirFlag(root)
	for _, newVerb := range verbs {
		root.AddCommand(newVerb())
	}
	root.SetFlagErrorFunc(cli.FlagError)
	cli.SetHelp(root)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

// run executes one command line and returns the process exit status
// (internal/cli: 0, 1 when a verb ran and failed, 2 for a usage error).
// Errors are printed to stderr; data goes to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if err := refuseSecretArgs(args); err != nil {
		printError(stderr, err)
		return cli.ExitUsage
	}
	return cli.Execute(ctx, newRootCmd(), args, stdout, stderr)
}
