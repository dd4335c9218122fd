package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
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
			printHandoff(cmd.OutOrStdout(), a)
			return nil
		},
	}
	cmd.Flags().StringVar(&a.old, "old", "tlpub:OLD", "the old box's key, `tlpub:HEX`")
	cmd.Flags().StringVar(&a.new, "new", "tlpub:NEW", "the new box's key, `tlpub:HEX`")
	return cmd
}

func printHandoff(w io.Writer, a *handoffArgs) {
	steps := []struct{ where, what, cmd string }{
		{"new box", "make the key in hardware and note its tlpub", "signet key init --hsm tpm && signet key show"},
		{"online node", "export the chain", "tailscale lock log --json --limit 100000 > log.json"},
		{"new box", "import the chain", "signet chain import log.json"},
		{"old box", "add the new key (review on the old box's console)", "signet add " + a.new},
		{"online node", "submit the add-key AUM printed by the old box", "tailscale lock revoke-keys --finish HEX"},
		{"online node", "export the chain again, and the status", "tailscale lock log --json --limit 100000 > log.json && tailscale lock status --json > status.json"},
		{"new box", "import the chain and start the daemon", "signet chain import log.json && signet serve"},
		{"new box", "check the plan: every node the old key signed is re-signed", "signet rotate plan --status-json status.json --remove " + a.old},
		{"new box", "re-sign and remove the old key (two reviews on the new box's console)", "signet rotate execute --status-json status.json --remove " + a.old},
		{"online node", "submit the remove-key AUM; deliver the re-signed signatures (docs/delivery.md)", "tailscale lock revoke-keys --finish HEX"},
		{"online node", "check: the old key is gone, no node is locked out", "tailscale lock status"},
		{"old box", "retire the key (wipe the TPM key or PIV slot) and keep its journal", "signet journal verify && cp -a /var/lib/signet/journal.log ARCHIVE/"},
	}
	for i, s := range steps {
		fmt.Fprintf(w, "%2d. [%s] %s\n      $ %s\n", i+1, s.where, s.what, s.cmd)
	}
}
