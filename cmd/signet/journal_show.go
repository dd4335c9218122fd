package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/signer"
)

// journalShowArgs holds the flags of "signet journal show".
type journalShowArgs struct {
	json bool   // print the records as JSON lines
	id   string // only the records of this request
	tail int    // only the last N records (0: all)
}

// newJournalShowCmd builds "signet journal show".
func newJournalShowCmd() *cobra.Command {
	args := &journalShowArgs{}
	cmd := &cobra.Command{
		Use:   "show [--state DIR | FILE] [--json] [--id ID] [--tail N]",
		Short: "Print the records of the journal",
		Long: `Print the records of the journal, oldest first, one per line: sequence
number, time, type, request ID, then the other fields as key=value. Text
that came with a request is quoted, so it cannot pass for signet's own
output. With --json, print each record as the JSON line the journal
holds.

Records are verified as they are read. If the journal is damaged, the
records before the damage are printed and the exit status is 1.`,
		Example: `  $ signet journal show --id 7f3a --state /var/lib/signet
  #1 2026-01-02T10:00:00Z received 7f3a kind=sign-node requester="uid 0 (signet)" digest=9c1e…
  $ signet journal show --tail 20 --json /media/usb/journal.log`,
		Args: maxArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, pos []string) error {
			return runJournalShow(cmd.OutOrStdout(), journalPath(cmd, pos), args)
		},
	}
	cmd.Flags().BoolVar(&args.json, "json", false, "print each record as a JSON line")
	cmd.Flags().StringVar(&args.id, "id", "", "only the records of request `ID`")
	cmd.Flags().IntVar(&args.tail, "tail", 0, "only the last `N` records (after --id)")
	return cmd
}

// runJournalShow prints the selected records, then any verification error.
func runJournalShow(w io.Writer, path string, args *journalShowArgs) error {
	if args.tail < 0 {
		return usageErrorf("--tail is %d; it must be 0 (all) or more", args.tail)
	}
	var recs []signer.Record
	sum, verr := signer.ScanFile(path, func(r signer.Record) error {
		if args.id == "" || r.RequestID == args.id {
			recs = append(recs, r)
			if args.tail > 0 && len(recs) > args.tail {
				recs = slices.Delete(recs, 0, 1)
			}
		}
		return nil
	})
	for _, r := range recs {
		if err := printRecord(w, r, args.json); err != nil {
			return err
		}
	}
	if verr != nil {
		return journalErr(sum, verr)
	}
	return nil
}

func printRecord(w io.Writer, r signer.Record, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(w, recordLine(r))
	return err
}

// recordLine is the text form of one record.
func recordLine(r signer.Record) string {
	f := []string{"#" + strconv.FormatUint(r.Seq, 10), r.Time.Format(time.RFC3339), string(r.Type)}
	if r.RequestID != "" {
		f = append(f, quoteIfNeeded(r.RequestID))
	}
	kv := func(k, v string) {
		if v != "" {
			f = append(f, k+"="+quoteIfNeeded(v))
		}
	}
	kv("kind", string(r.Kind))
	kv("outcome", string(r.Outcome))
	kv("requester", r.Requester)
	kv("digest", r.Digest)
	kv("sighash", r.SigHash)
	keys := make([]string, 0, len(r.Detail))
	for k := range r.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kv(quoteIfNeeded(k), r.Detail[k])
	}
	return strings.Join(f, " ")
}

// quoteIfNeeded quotes s if it holds a space, a quote, an equals sign or
// anything unprintable (escape sequences included), so that untrusted text
// stays one visible token.
func quoteIfNeeded(s string) string {
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return r == ' ' || r == '"' || r == '=' || r == '\\' || !unicode.IsPrint(r)
	}) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
