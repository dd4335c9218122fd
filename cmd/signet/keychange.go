package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// keyChangeArgs holds the flags of "signet add" and "signet remove".
type keyChangeArgs struct {
	clientArgs
	override bool
}

// newAddCmd builds "signet add".
func newAddCmd() *cobra.Command {
	return newKeyChangeCmd(signer.KindAddKey, "add tlpub:HEX[?VOTES]", "Ask the daemon to add a trusted tailnet-lock key",
		`Build an AUM that adds a tailnet-lock key (another signing box, a
person's YubiKey) on the current head, show exactly what it does on the
console, and sign it once the operator confirms. The signed AUM is added
to the box's chain and printed with the command that submits it from an
online node; a signet-relay connected to the box submits it by itself
(docs/relay.md).`,
		`  $ signet add tlpub:5c1e...?2`)
}

// newRemoveCmd builds "signet remove".
func newRemoveCmd() *cobra.Command {
	return newKeyChangeCmd(signer.KindRemoveKey, "remove tlpub:HEX", "Ask the daemon to remove a trusted tailnet-lock key",
		`Build an AUM that removes a tailnet-lock key, show its effect on the
console (and how many node signatures this box issued with that key stop
being valid), and sign it once the operator confirms. Removals that leave
fewer than two trusted keys, or no key this box holds, are refused unless
--override is given and the operator confirms the override on the console.`,
		`  $ signet remove tlpub:5c1e...`)
}

func newKeyChangeCmd(kind signer.Kind, use, short, long, example string) *cobra.Command {
	a := &keyChangeArgs{}
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: example,
		Args: exactArgs(1, "tlpub:HEX"),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := tka.ParseKeyArg(args[0])
			if err != nil {
				return usageErr(err)
			}
			req := &signer.Request{Kind: kind, Key: strings.SplitN(args[0], "?", 2)[0], Override: a.override}
			if kind == signer.KindAddKey {
				req.Votes = k.Votes
			}
			return send(cmd, &a.clientArgs, req)
		},
	}
	addClientFlags(cmd, &a.clientArgs)
	cmd.Flags().BoolVar(&a.override, "override", false, "ask to override a safety rail (the console asks the operator to confirm it)")
	return cmd
}
