package main

import (
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/keyplan"
)

// keyChangeArgs holds the flags of "signet add" and "signet remove".
type keyChangeArgs struct {
	clientArgs
	override bool
}

// newAddCmd builds "signet add".
func newAddCmd() *cobra.Command {
	return newKeyChangeCmd(api.KindAddKey, "add tlpub:HEX[?VOTES]...", "Ask the daemon to add trusted tailnet-lock keys",
		`Build the AUMs that add one or more tailnet-lock keys (other signing
boxes, people's YubiKeys) on the current head, one AUM per key, chained in
the order given. The console shows exactly what each AUM does, and all of
them are signed after one approval. The signed AUMs are added to the
box's chain and printed with the command that submits them from an online
node; a signet-relay connected to the box submits them by itself
(docs/relay.md).`,
		`  $ signet add tlpub:5c1e...?2
  $ signet add tlpub:5c1e... tlpub:9a07... tlpub:e4d2...`)
}

// newRemoveCmd builds "signet remove".
func newRemoveCmd() *cobra.Command {
	return newKeyChangeCmd(api.KindRemoveKey, "remove tlpub:HEX...", "Ask the daemon to remove trusted tailnet-lock keys",
		`Build the AUMs that remove one or more tailnet-lock keys, one AUM per
key, show their effect on the console (and how many node signatures this
box issued with those keys stop being valid), and sign them all once the
operator confirms. Removals that leave fewer than two trusted keys, or no
key this box holds, are refused unless --override is given and the
operator confirms the override on the console.`,
		`  $ signet remove tlpub:5c1e...
  $ signet remove tlpub:5c1e... tlpub:9a07...`)
}

func newKeyChangeCmd(kind api.Kind, use, short, long, example string) *cobra.Command {
	a := &keyChangeArgs{}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: example,
		Args: minArgs(1, "tlpub:HEX"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := keyplan.KeyChangeRequest(kind, args)
			if err != nil {
				return err
			}
			req.Override = a.override
			return send(cmd, &a.clientArgs, req)
		},
	}
	addClientFlags(cmd, &a.clientArgs)
	cmd.Flags().BoolVar(&a.override, "override", false, "ask to override a safety rail (the console asks the operator to confirm it)")
	return cmd
}
