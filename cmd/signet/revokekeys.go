package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/keyplan"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// revokeKeysArgs holds the flags of "signet revoke-keys".
type revokeKeysArgs struct {
	clientArgs
	cosign  string
	plan    []string
	removes []string
	fork    string
}

// newRevokeKeysCmd builds "signet revoke-keys".
func newRevokeKeysCmd() *cobra.Command {
	a := &revokeKeysArgs{}
	cmd := &cobra.Command{
		Use:   "revoke-keys --plan tlpub:HEX... | --cosign HEX [--removes tlpub:HEX...]",
		Short: "Build a recovery AUM, or ask the daemon to co-sign one",
		Long: `Recover from a compromised signing key. With --plan, build from the local
chain store (read-only; no daemon needed) the unsigned recovery AUM that
removes the given keys retroactively: a checkpoint forking from the newest
AUM whose state trusts none of them. It prints what it removes, where it
forks, and the hex blob to pass around for co-signatures.

With --cosign, co-sign such a blob (the hex that 'tailscale lock
revoke-keys' or --plan prints). The console shows which keys the recovery
revokes and where it forks. --removes names the keys you expect it to
remove: a blob that removes any other key, or not all of them, is refused
before it is sent. The co-signed blob is printed with the
'tailscale lock revoke-keys --cosign' and '--finish' commands to continue.`,
		Example: `  $ signet revoke-keys --plan tlpub:5c1e...
  $ signet revoke-keys --cosign A5011A... --removes tlpub:5c1e...`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case len(a.plan) > 0 && a.cosign != "":
				return usageErrorf("give either --plan or --cosign, not both")
			case len(a.plan) > 0:
				return runRecoveryPlan(cmd, a)
			case a.cosign == "":
				return usageErrorf("--plan tlpub:HEX or --cosign HEX is required")
			}
			u, err := keyplan.CosignBlob(a.cosign)
			if err != nil {
				return err
			}
			if len(a.removes) > 0 {
				if err := checkRemoves(cmd, a, u); err != nil {
					return err
				}
			}
			return send(cmd, &a.clientArgs, &api.Request{Kind: api.KindCosign, AUM: a.cosign})
		},
	}
	addClientFlags(cmd, &a.clientArgs)
	f := cmd.Flags()
	f.StringVar(&a.cosign, "cosign", "", "the recovery AUM as `HEX`")
	f.StringArrayVar(&a.plan, "plan", nil, "build the recovery AUM that revokes `tlpub:HEX` (repeat for more keys)")
	f.StringArrayVar(&a.removes, "removes", nil, "with --cosign: a key `tlpub:HEX` the blob must remove (repeat; any other removal is refused)")
	f.StringVar(&a.fork, "fork-from", "", "with --plan: the AUM `HASH` to fork from (default: the newest that trusts none of the keys)")
	return cmd
}

// checkRemoves compares the keys a recovery blob removes from the daemon's
// authority with the keys the operator expects.
func checkRemoves(cmd *cobra.Command, a *revokeKeysArgs, u *tka.AUM) error {
	want, err := keyplan.ParseKeys("--removes", a.removes)
	if err != nil {
		return err
	}
	info, err := daemonStatus(cmd, a.socket, nil)
	if err != nil {
		return err
	}
	return keyplan.CheckRemoves(u, want, info)
}

// runRecoveryPlan builds the unsigned recovery AUM from the local chain.
func runRecoveryPlan(cmd *cobra.Command, a *revokeKeysArgs) error {
	req, err := keyplan.ParseRecovery(a.plan, a.fork)
	if err != nil {
		return err
	}
	dir := stateDirOf(cmd)
	ks, err := loadKeyState(dir)
	if err != nil {
		return err
	}
	st, err := signer.OpenChainStoreReadOnly(dir)
	if err != nil {
		return withHint(err, "import the chain with 'signet chain import'")
	}
	defer st.Close()
	auth, err := tka.Open(st)
	if err != nil {
		return err
	}
	rec, err := keyplan.BuildRecovery(auth, st, req, tka.KeyID(ks.Pub))
	if err != nil {
		return err
	}
	for _, l := range rec.Text(auth) {
		fmt.Fprintln(cmd.OutOrStdout(), l)
	}
	for _, l := range rec.Warnings() {
		fmt.Fprintf(cmd.ErrOrStderr(), "signet: warning: %s\n", l)
	}
	return nil
}
