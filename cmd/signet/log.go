package main

import (
	"fmt"
	"io"
	"strings"

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
	st, err := openChainReadOnly(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := openAuthority(st, dir)
	if err != nil {
		return err
	}
	var aums []*tka.AUM
	for h := a.Head(); len(aums) < args.limit; {
		u, err := st.AUM(h)
		if err != nil {
			return fmt.Errorf("reading AUM %v: %w", h, err)
		}
		aums = append(aums, u)
		p, ok := u.Parent()
		if !ok || h == a.Oldest() {
			break
		}
		h = p
	}
	if torn := st.Torn(); torn != nil {
		fmt.Fprintf(log, "signet: note: %v\n", torn)
	}
	if args.json {
		return printLogJSON(w, aums)
	}
	for _, u := range aums {
		if _, err := fmt.Fprintln(w, describeAUM(u)); err != nil {
			return err
		}
	}
	return nil
}

// describeAUM is the text stanza of one AUM, in the layout of
// `tailscale lock log`, with the signers added.
func describeAUM(u *tka.AUM) string {
	var b strings.Builder
	fmt.Fprintf(&b, "update %v (%v)\n", u.Hash(), u.MessageKind)
	printKey := func(k *tka.Key, prefix string) {
		fmt.Fprintf(&b, "%sType: %v\n", prefix, k.Kind)
		fmt.Fprintf(&b, "%sKeyID: %s\n", prefix, tka.FormatTLPub(k.Public))
		if k.Meta != nil {
			fmt.Fprintf(&b, "%sMetadata: %+v\n", prefix, k.Meta)
		}
	}
	switch u.MessageKind {
	case tka.AUMAddKey:
		printKey(u.Key, "")
	case tka.AUMRemoveKey:
		fmt.Fprintf(&b, "KeyID: %s\n", tka.FormatTLPub(u.KeyID))
	case tka.AUMUpdateKey:
		fmt.Fprintf(&b, "KeyID: %s\n", tka.FormatTLPub(u.KeyID))
		if u.Votes != nil {
			fmt.Fprintf(&b, "Votes: %d\n", *u.Votes)
		}
		if u.Meta != nil {
			fmt.Fprintf(&b, "Metadata: %+v\n", u.Meta)
		}
	case tka.AUMCheckpoint:
		fmt.Fprintln(&b, "Disablement values:")
		for _, v := range u.State.DisablementValues {
			fmt.Fprintf(&b, " - %x\n", v)
		}
		fmt.Fprintln(&b, "Keys:")
		for i := range u.State.Keys {
			printKey(&u.State.Keys[i], "  ")
		}
	}
	for _, s := range u.Signatures {
		fmt.Fprintf(&b, "Signed-by: %s\n", tka.FormatTLPub(s.KeyID))
	}
	return b.String()
}
