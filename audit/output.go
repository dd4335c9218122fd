package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/signetbox/signet/internal/cli"
)

// WriteJSON writes the review as one indented JSON object.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// CSVHeader is the first row of the CSV form.
var CSVHeader = []string{"section", "request", "kind", "node_key", "name", "time", "requester", "outcome", "key", "note", "signature"}

func (f Finding) fields() []string {
	return []string{f.Section, f.Request, f.Kind, f.NodeKey, f.Name, f.Time, f.Requester, f.Outcome, f.Key, f.Note, f.Signature}
}

// WriteCSV writes the review as CSV, one row per finding after the
// header.
func (rep *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(CSVHeader)
	for _, f := range rep.Findings {
		_ = cw.Write(f.fields())
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable prints the findings grouped by section. Names and
// requesters are claims and may hold anything: control characters are
// escaped. A section that was not checked says so instead of a count.
func (rep *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "review of box key %s, %s\n", rep.BoxKey, rep.Generated)
	for _, sec := range Sections {
		if sec == SectionStale && !rep.StaleChecked {
			fmt.Fprintf(w, "\n%s: not checked (give --devices-json and --stale-days N)\n", sec)
			continue
		}
		var buf bytes.Buffer
		tw := tabwriter.NewWriter(&buf, 2, 4, 2, ' ', 0)
		n := 0
		for _, f := range rep.Findings {
			if f.Section != sec {
				continue
			}
			n++
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", cli.Plain(f.Time), cli.Plain(f.Request), cli.Plain(f.NodeKey), cli.Plain(f.Name),
				cli.Plain(f.Requester), cli.Plain(f.Outcome), cli.Plain(f.Key+" "+f.Note))
		}
		tw.Flush()
		if _, err := fmt.Fprintf(w, "\n%s: %d\n%s", sec, n, buf.String()); err != nil {
			return err
		}
	}
	return nil
}
