package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// newChainCmd builds "signet chain" and its verbs.
func newChainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chain VERB",
		Short: "Import and verify the local copy of the authority chain",
		Long: `signet keeps a verified copy of the tailnet's authority chain (the
Tailnet Lock AUMs) in chain.log in the state directory. It checks every
request against it and appends the AUMs it signs.`,
		Args: noArgs,
		RunE: noVerb,
	}
	cmd.AddCommand(newChainImportCmd(), newChainVerifyCmd())
	return cmd
}

// openChain locks the state dir and opens its chain store. close unlocks.
// Unless create is set, a state dir without a chain store is an error.
func openChain(dir string, create bool) (st *signer.ChainStore, close func(), err error) {
	if _, err := os.Stat(statedir.Path(dir, statedir.Chain)); !create && err != nil {
		return nil, nil, withHint(fmt.Errorf("no chain store in %s: %w", dir, err),
			"import the chain with 'tailscale lock log --json --limit 100000 | signet chain import -'")
	}
	unlock, err := statedir.TakeLock(dir)
	if err != nil {
		return nil, nil, withHint(err, "stop signet serve, or work on a copy of the state directory with --state")
	}
	st, err = signer.OpenChainStore(dir)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return st, func() { st.Close(); unlock() }, nil
}

// openChainReadOnly opens the chain store of dir for reading only,
// without the state dir lock: it never writes, so it may run next to
// signet serve. A state dir without a chain store is an error.
func openChainReadOnly(dir string) (*signer.ChainStore, error) {
	if _, err := os.Stat(statedir.Path(dir, statedir.Chain)); err != nil {
		return nil, withHint(fmt.Errorf("no chain store in %s: %w", dir, err),
			"import the chain with 'tailscale lock log --json --limit 100000 | signet chain import -'")
	}
	return signer.OpenChainStoreReadOnly(dir)
}

// openAuthority opens the authority of a chain store that must not be
// empty.
func openAuthority(st *signer.ChainStore, dir string) (*tka.Authority, error) {
	if st.Len() == 0 {
		return nil, withHint(fmt.Errorf("the chain store in %s is empty", dir),
			"import the chain with 'tailscale lock log --json --limit 100000 | signet chain import -'")
	}
	return tka.Open(st)
}

// readAuthority opens dir's chain store read-only (see openChainReadOnly)
// and its authority, for the verbs that only read the chain (log, chain
// verify, disablement check); the caller closes the store.
func readAuthority(dir string) (*signer.ChainStore, *tka.Authority, error) {
	st, err := openChainReadOnly(dir)
	if err != nil {
		return nil, nil, err
	}
	a, err := openAuthority(st, dir)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, a, nil
}
