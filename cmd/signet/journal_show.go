package main

import (
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

// journalShowSchema is the schema version of "signet journal show
// --json".
const journalShowSchema = 1

// journalShowArgs holds the flags of "signet journal show".
type journalShowArgs struct {
	json int    // --json schema version; 0 prints text
	id   string // only the records of this request
	tail int    // only the last N records (0: all)
}

// journalShowReport is the output of "signet journal show --json".
type journalShowReport struct {
	SchemaVersion int          `json:"schema_version"`
	Journal       string       `json:"journal"`
	Records       []recordJSON `json:"records"` // oldest first
}

// recordJSON is one journal record in the --json output. The journal's
// own lines (journal.log) keep their format; this is the documented view.
type recordJSON struct {
	Seq       uint64            `json:"seq"`
	Time      string            `json:"time"`
	Type      string            `json:"type"`
	RequestID string            `json:"request_id,omitempty"`
	Kind      string            `json:"kind,omitempty"`
	Requester string            `json:"requester,omitempty"`
	Digest    string            `json:"digest,omitempty"`
	Outcome   string            `json:"outcome,omitempty"`
	SigHash   string            `json:"sig_hash,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
	Prev      string            `json:"prev"` // the previous record's hash
	Hash      string            `json:"hash"`
}

func newRecordJSON(r signer.Record) recordJSON {
	return recordJSON{Seq: r.Seq, Time: r.Time.UTC().Format(time.RFC3339Nano), Type: string(r.Type), RequestID: r.RequestID,
		Kind: string(r.Kind), Requester: r.Requester, Digest: r.Digest, Outcome: string(r.Outcome), SigHash: r.SigHash,
		Detail: r.Detail, Prev: r.Prev, Hash: r.Hash}
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
output.

Records are verified as they are read. If the journal is damaged, the
records before the damage are printed and the exit status is 1.

--json prints one JSON object (docs/json.md) holding the selected records;
a damaged journal prints no JSON. It only reads, and may run while signet
serve does.`,
		Example: `  $ signet journal show --id 7f3a --state /var/lib/signet
  #1 2026-01-02T10:00:00Z received 7f3a kind=sign-node requester="uid 0 (signet)" digest=9c1e…
  $ signet journal show --tail 20 --json /media/usb/journal.log`,
		Args: maxArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkJSONVersion(args.json, journalShowSchema); err != nil {
				return err
			}
			return runJournalShow(cmd.OutOrStdout(), journalPath(cmd, pos), args)
		},
	}
	addJSONFlag(cmd, &args.json, journalShowSchema)
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
	if args.json != 0 {
		if verr != nil {
			return journalErr(sum, verr)
		}
		rep := &journalShowReport{SchemaVersion: journalShowSchema, Journal: path, Records: []recordJSON{}}
		for _, r := range recs {
			rep.Records = append(rep.Records, newRecordJSON(r))
		}
		return writeJSON(w, rep)
	}
	for _, r := range recs {
		if _, err := fmt.Fprintln(w, recordLine(r)); err != nil {
			return err
		}
	}
	if verr != nil {
		return journalErr(sum, verr)
	}
	return nil
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
