package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/keyplan"
)

// handoffArgs holds the flags of "signet rotate handoff".
type handoffArgs struct {
	old, new string
}

// newRotateHandoffCmd builds "signet rotate handoff".
func newRotateHandoffCmd() *cobra.Command {
	a := &handoffArgs{}
	cmd := &cobra.Command{
		Use:   "handoff [--old tlpub:OLD] [--new tlpub:NEW]",
		Short: "Print the steps that move the signing role from an old box to a new one",
		Long: `Print, step by step, what to run on which box to hand the signing role
from an old box to a new one: the new box makes its key and imports the
chain, the old box adds the new key, the new box re-signs every node the
old key signed and removes the old key. Nothing is sent; docs/rotation.md
is the same runbook with the reasons.`,
		Example: `  $ signet rotate handoff --old tlpub:5c1e... --new tlpub:9a02...`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), keyplan.HandoffText(a.old, a.new))
			return err
		},
	}
	cmd.Flags().StringVar(&a.old, "old", "tlpub:OLD", "the old box's key, `tlpub:HEX`")
	cmd.Flags().StringVar(&a.new, "new", "tlpub:NEW", "the new box's key, `tlpub:HEX`")
	return cmd
}
