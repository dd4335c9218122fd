package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// newChainImportCmd builds "signet chain import".
func newChainImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import [--state DIR] FILE|-",
		Short: "Add AUMs from `tailscale lock log --json` or hex to the chain store",
		Long: `Read AUMs from FILE (or stdin for -), verify every hash link and every
signature, and add the new ones to the chain store. The input is either
the output of 'tailscale lock log --json' or hex AUMs, one per line
(blank lines and # comments are skipped); the form is detected.

An empty store starts from the oldest AUM of the input, which must be a
checkpoint (the genesis AUM). Anything that does not verify is refused and
the store is left unchanged.`,
		Example: `  $ tailscale lock log --json --limit 100000 > log.json
  $ signet chain import log.json
  imported 41 new AUMs (0 already stored); head 5D1C…, 2 trusted keys`,
		Args: exactArgs(1, "FILE or -"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runChainImport(cmd.OutOrStdout(), cmd.InOrStdin(), stateDirOf(cmd), args[0])
		},
	}
}

// runChainImport parses name, verifies it in memory, then stores it.
func runChainImport(w io.Writer, stdin io.Reader, dir, name string) error {
	aums, err := readAUMs(stdin, name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("making the state directory: %w", err)
	}
	st, closeChain, err := openChain(dir, true)
	if err != nil {
		return err
	}
	defer closeChain()
	if torn := st.Torn(); torn != nil {
		return withHint(torn, "run 'signet journal repair' to move it aside, then import again")
	}
	// The journal records what was imported, so every start can check
	// that chain.log still holds it.
	journal, err := signer.OpenJournal(dir)
	if err != nil {
		return withHint(fmt.Errorf("the chain store is unchanged: %w", err), "run 'signet journal verify --state "+dir+"' and 'signet journal repair'")
	}
	defer journal.Close()
	a, added, err := signer.ImportChain(journal, st, aums, name)
	if errors.Is(err, tka.ErrChainStart) {
		return withHint(err, "give the whole log: tailscale lock log --json --limit 100000")
	} else if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "imported %d new AUMs (%d already stored); head %v, %d trusted keys\n",
		added, len(aums)-added, a.Head(), len(a.Keys()))
	return err
}

// readAUMs reads and parses FILE or stdin, detecting the form.
func readAUMs(stdin io.Reader, name string) ([]*tka.AUM, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("reading the AUMs: %w", err)
		}
		defer f.Close()
		r = f
	}
	return tka.ReadAUMLog(r, name)
}
