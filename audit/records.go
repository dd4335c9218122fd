package audit

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/signetbox/signet/signer"
)

// ShowSchema is the schema version of "signet journal show --json".
const ShowSchema = 1

// ShowReport is the output of "signet journal show --json".
type ShowReport struct {
	SchemaVersion int          `json:"schema_version"`
	Journal       string       `json:"journal"`
	Records       []RecordJSON `json:"records"` // oldest first
}

// RecordJSON is one journal record in the --json output. The journal's
// own lines (journal.log) keep their format; this is the documented view.
type RecordJSON struct {
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

// NewShowReport is the --json view of recs, read from the journal at
// path.
func NewShowReport(path string, recs []signer.Record) *ShowReport {
	rep := &ShowReport{SchemaVersion: ShowSchema, Journal: path, Records: []RecordJSON{}}
	for _, r := range recs {
		rep.Records = append(rep.Records, RecordJSON{Seq: r.Seq, Time: r.Time.UTC().Format(time.RFC3339Nano), Type: string(r.Type), RequestID: r.RequestID,
			Kind: string(r.Kind), Requester: r.Requester, Digest: r.Digest, Outcome: string(r.Outcome), SigHash: r.SigHash,
			Detail: r.Detail, Prev: r.Prev, Hash: r.Hash})
	}
	return rep
}

// SelectRecords reads the journal at path, verifying it, and returns its
// records of request id (all records for "") and, if tail > 0, only the
// last tail of those. On damage it returns the records before it, the
// summary of what verified and the error.
func SelectRecords(path, id string, tail int) ([]signer.Record, signer.Summary, error) {
	var recs []signer.Record
	sum, err := signer.ScanFile(path, func(r signer.Record) error {
		if id == "" || r.RequestID == id {
			recs = append(recs, r)
			if tail > 0 && len(recs) > tail {
				recs = slices.Delete(recs, 0, 1)
			}
		}
		return nil
	})
	return recs, sum, err
}

// RecordLine is the text form of one record: sequence number, time, type,
// request ID, then the other fields as key=value, with text that came
// with a request quoted (QuoteIfNeeded).
func RecordLine(r signer.Record) string {
	f := []string{"#" + strconv.FormatUint(r.Seq, 10), r.Time.Format(time.RFC3339), string(r.Type)}
	if r.RequestID != "" {
		f = append(f, QuoteIfNeeded(r.RequestID))
	}
	kv := func(k, v string) {
		if v != "" {
			f = append(f, k+"="+QuoteIfNeeded(v))
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
		kv(QuoteIfNeeded(k), r.Detail[k])
	}
	return strings.Join(f, " ")
}

// QuoteIfNeeded quotes s if it is empty or holds a space, a quote, an
// equals sign, a backslash or anything unprintable (escape sequences
// included), so that untrusted text stays one visible token.
func QuoteIfNeeded(s string) string {
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return r == ' ' || r == '"' || r == '=' || r == '\\' || !unicode.IsPrint(r)
	}) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
