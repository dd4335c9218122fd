package main

import (
	"fmt"

	"github.com/spf13/cobra"

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
			if err := checkCosignBlob(a.cosign); err != nil {
				return err
			}
			if len(a.removes) > 0 {
				if err := checkRemoves(cmd, a); err != nil {
					return err
				}
			}
			return send(cmd, &a.clientArgs, &signer.Request{Kind: signer.KindCosign, AUM: a.cosign})
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

// checkCosignBlob refuses a --cosign blob that is no recovery AUM before
// anything is sent.
func checkCosignBlob(blob string) error {
	u, err := tka.ParseHexAUM(blob)
	if err != nil {
		return usageErr(fmt.Errorf("--cosign: %w", err))
	}
	if u.MessageKind != tka.AUMCheckpoint || u.State == nil {
		return usageErr(fmt.Errorf("--cosign: a recovery AUM is a checkpoint, not a %v", u.MessageKind))
	}
	return nil
}

// checkRemoves compares the keys a recovery blob removes from the daemon's
// authority with the keys the operator expects.
func checkRemoves(cmd *cobra.Command, a *revokeKeysArgs) error {
	u, err := tka.ParseHexAUM(a.cosign)
	if err != nil {
		return usageErr(fmt.Errorf("--cosign: %w", err))
	}
	want := map[string]bool{}
	for _, s := range a.removes {
		pub, err := tka.ParseTLPub(s)
		if err != nil {
			return usageErr(fmt.Errorf("--removes: %w", err))
		}
		want[tka.FormatTLPub(pub)] = true
	}
	info, err := daemonStatus(cmd, a.socket, nil)
	if err != nil {
		return err
	}
	if u.State.StateID1 != info.StateID {
		return fmt.Errorf("--cosign: the recovery AUM is for another authority (state ID %d, this box's is %d)", u.State.StateID1, info.StateID)
	}
	after := map[string]bool{}
	for _, k := range u.State.Keys {
		after[tka.FormatTLPub(k.Public)] = true
	}
	removed := map[string]bool{}
	for _, k := range info.Keys {
		if after[k] {
			continue
		}
		removed[k] = true
		if !want[k] {
			return withHint(fmt.Errorf("the recovery AUM also removes %s, which --removes does not name; nothing was sent", k),
				"do not co-sign a blob that does more than its sender said")
		}
	}
	for k := range want {
		if !removed[k] {
			return fmt.Errorf("the recovery AUM does not remove %s, which --removes names; nothing was sent", k)
		}
	}
	return nil
}

// runRecoveryPlan builds the unsigned recovery AUM from the local chain.
func runRecoveryPlan(cmd *cobra.Command, a *revokeKeysArgs) error {
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
	var remove []tka.KeyID
	for _, s := range a.plan {
		pub, err := tka.ParseTLPub(s)
		if err != nil {
			return usageErr(fmt.Errorf("--plan: %w", err))
		}
		remove = append(remove, tka.KeyID(pub))
	}
	var fork tka.AUMHash
	if a.fork != "" {
		if fork, err = tka.ParseAUMHash(a.fork); err != nil {
			return usageErr(fmt.Errorf("--fork-from: %w", err))
		}
	}
	u, err := auth.RecoveryAUM(st, remove, tka.KeyID(ks.pub), fork)
	if err != nil {
		return err
	}
	printRecovery(cmd, auth, u)
	warnKeptAdditions(cmd, st, auth, u, remove)
	return nil
}

// warnKeptAdditions names keys that a revoked key added after the fork
// point and that the recovery keeps: a recovery copies the current key set
// minus the keys named, so whatever a compromised key added stays trusted
// unless it is named too.
func warnKeptAdditions(cmd *cobra.Command, st tka.Store, auth *tka.Authority, u *tka.AUM, remove []tka.KeyID) {
	fork, _ := u.Parent()
	for cursor := auth.Head(); cursor != fork; {
		a, err := st.AUM(cursor)
		if err != nil {
			return
		}
		if a.MessageKind == tka.AUMAddKey && hasPub(u.State.Keys, a.Key.Public) && signedByAny(a, remove) {
			fmt.Fprintf(cmd.ErrOrStderr(), "signet: warning: %s was added by AUM %v, signed by a key being revoked, and the recovery keeps it; add --plan %s to remove it too\n",
				tka.FormatTLPub(a.Key.Public), cursor, tka.FormatTLPub(a.Key.Public))
		}
		parent, ok, err := st.Parent(cursor)
		if err != nil || !ok {
			return
		}
		cursor = parent
	}
}

func signedByAny(a *tka.AUM, ids []tka.KeyID) bool {
	for _, s := range a.Signatures {
		for _, id := range ids {
			if string(s.KeyID) == string(id) {
				return true
			}
		}
	}
	return false
}

func printRecovery(cmd *cobra.Command, auth *tka.Authority, u *tka.AUM) {
	w := cmd.OutOrStdout()
	parent, _ := u.Parent()
	fmt.Fprintf(w, "head now:   %v\n", auth.Head())
	fmt.Fprintf(w, "forks from: %v\n", parent)
	for _, k := range auth.Keys() {
		verb := "keeps  "
		if !hasPub(u.State.Keys, k.Public) {
			verb = "REMOVES"
		}
		fmt.Fprintf(w, "%s %s (%d vote(s))\n", verb, tka.FormatTLPub(k.Public), k.Votes)
	}
	fmt.Fprintf(w, "recovery AUM (unsigned): %s\n", tka.FormatHexAUM(u))
	fmt.Fprintln(w, "next: co-sign it on each box holding a kept key: signet revoke-keys --cosign HEX --removes tlpub:…")
	fmt.Fprintln(w, "      (or on a node with a kept key: tailscale lock revoke-keys --cosign HEX), then tailscale lock revoke-keys --finish HEX")
}

func hasPub(keys []tka.Key, pub []byte) bool {
	for _, k := range keys {
		if string(k.Public) == string(pub) {
			return true
		}
	}
	return false
}
