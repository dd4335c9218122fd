package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/tka"
)

// logArgs holds the flags of "signet log".
type logArgs struct {
	limit int  // at most this many AUMs
	json  bool // print schema version 1 JSON
}

// newLogCmd builds "signet log".
func newLogCmd() *cobra.Command {
	args := &logArgs{}
	cmd := &cobra.Command{
		Use:   "log [--state DIR] [--limit N] [--json]",
		Short: "List the AUMs of the local chain, newest first",
		Long: `List the AUMs of the active chain in the chain store, newest first, as
'tailscale lock log' does: each AUM's hash and kind, the key it changes,
and who signed it.

With --json, print the same JSON (schema version 1) as
'tailscale lock log --json', which 'signet chain import' reads back
(docs/json.md: the one output that keeps tailscale's own format).

log only reads, and may run while signet serve does.`,
		Example: `  $ signet log --limit 2
  update 5D1C… (no-op)
  Signed-by: tlpub:6f2c…

  $ signet log --json > log.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLog(cmd.OutOrStdout(), cmd.ErrOrStderr(), stateDirOf(cmd), args)
		},
	}
	cmd.Flags().IntVar(&args.limit, "limit", 50, "list at most `N` AUMs")
	cmd.Flags().BoolVar(&args.json, "json", false, "print JSON, schema version 1, as tailscale lock log --json")
	return cmd
}

// runLog reads up to limit AUMs back from the head and prints them.
func runLog(w, log io.Writer, dir string, args *logArgs) error {
	if args.limit < 1 {
		return usageErrorf("--limit is %d; it must be 1 or more", args.limit)
	}
	// Read-only and without the state dir lock: log may run while
	// signet serve does.
	st, a, err := readAuthority(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	aums, err := a.Recent(st, args.limit)
	if err != nil {
		return err
	}
	if torn := st.Torn(); torn != nil {
		fmt.Fprintf(log, "signet: note: %v\n", torn)
	}
	if args.json {
		return printLogJSON(w, aums)
	}
	for _, u := range aums {
		if _, err := fmt.Fprintln(w, u.Describe()); err != nil {
			return err
		}
	}
	return nil
}

// printLogJSON prints aums (in the given order) as `tailscale lock log
// --json` does.
func printLogJSON(w io.Writer, aums []*tka.AUM) error {
	b, err := tka.MarshalLogJSON(aums)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing the log: %w", err)
	}
	return nil
}
