package main

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// finding is one row of a review.
type finding struct {
	Section   string `json:"section"` // issued, untrusted, outstanding, stale
	Request   string `json:"request,omitempty"`
	Kind      string `json:"kind,omitempty"`
	NodeKey   string `json:"node_key,omitempty"`
	Name      string `json:"name,omitempty"`
	Time      string `json:"time,omitempty"`
	Requester string `json:"requester,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	Key       string `json:"key,omitempty"`
	Note      string `json:"note,omitempty"`
}

// report is the whole review.
type report struct {
	SchemaVersion string    `json:"schema_version"`
	Generated     string    `json:"generated"`
	BoxKey        string    `json:"box_key"`
	Findings      []finding `json:"findings"`
}

// request is what the journal says about one request.
type reqInfo struct {
	kind, requester, outcome, operator, credential string
	received                                       time.Time
	nodeKey                                        string
	issued, released                               bool
	failure                                        string // why signing failed after approval
}

func buildReport(dir string, st *lockstatus.Status, devs map[string]device, since, now time.Time, staleDays int) (*report, error) {
	ks, err := loadKeyState(dir)
	if err != nil {
		return nil, err
	}
	trusted, err := trustedKeys(dir, st)
	if err != nil {
		return nil, err
	}
	reqs, order, err := scanJournal(dir)
	if err != nil {
		return nil, err
	}
	rep := &report{SchemaVersion: "1", Generated: now.Format(time.RFC3339), BoxKey: tka.FormatTLPub(ks.pub)}
	names := statusNames(st)
	if err := rep.issued(dir, reqs, order, names, since); err != nil {
		return nil, err
	}
	nodes, err := st.SignedNodes()
	if err != nil {
		return nil, fmt.Errorf("--status-json: %w", err)
	}
	rep.untrusted(nodes, trusted)
	rep.outstanding(reqs, order, nodes)
	rep.stale(devs, now, staleDays)
	return rep, nil
}

// trustedKeys reads the trusted keys of the local chain (read-only) and
// refuses a status from another authority.
func trustedKeys(dir string, st *lockstatus.Status) (map[string]bool, error) {
	cs, err := signer.OpenChainStoreReadOnly(dir)
	if err != nil {
		return nil, withHint(err, "import the chain with 'signet chain import'")
	}
	defer cs.Close()
	auth, err := tka.Open(cs)
	if err != nil {
		return nil, err
	}
	if err := st.CheckAuthority(auth); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, k := range auth.Keys() {
		out[tka.FormatTLPub(k.Public)] = true
	}
	return out, nil
}

// scanJournal gathers each request's records, in the order received.
func scanJournal(dir string) (map[string]*reqInfo, []string, error) {
	reqs := map[string]*reqInfo{}
	var order []string
	_, err := signer.ScanFile(filepath.Join(dir, "journal.log"), func(r signer.Record) error {
		if r.RequestID == "" {
			return nil
		}
		q := reqs[r.RequestID]
		if q == nil {
			q = &reqInfo{kind: string(r.Kind), requester: r.Requester, received: r.Time}
			reqs[r.RequestID] = q
			order = append(order, r.RequestID)
		}
		switch r.Type {
		case signer.RecReceived:
			q.nodeKey = r.Detail["node_key"]
		case signer.RecDecision:
			q.outcome, q.operator = string(r.Outcome), r.Detail["operator"]
		case signer.RecIssued:
			q.issued, q.credential = true, r.Detail["credential"]
		case signer.RecReleased:
			q.released = true
		case signer.RecFailed:
			// Approved, then signing failed: closed, nothing was signed.
			q.outcome, q.failure = "failed", r.Detail["reason"]
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the journal: %w", err)
	}
	return reqs, order, nil
}

func statusNames(st *lockstatus.Status) map[string]string {
	out := map[string]string{}
	for _, p := range append(append([]lockstatus.Peer(nil), st.VisiblePeers...), st.FilteredPeers...) {
		out[p.NodeKey] = strings.TrimSuffix(p.DNSName, ".")
	}
	return out
}

// issued lists every reviewed request; issued node signatures get one row
// per node.
func (rep *report) issued(dir string, reqs map[string]*reqInfo, order []string, names map[string]string, since time.Time) error {
	byReq := map[string][]signer.IssuedSignature{}
	err := signer.ScanSignatures(dir, func(s signer.IssuedSignature) {
		if q := reqs[s.Request]; q != nil && q.issued {
			byReq[s.Request] = append(byReq[s.Request], s)
		}
	})
	if err != nil {
		return err
	}
	for _, id := range order {
		q := reqs[id]
		if q.received.Before(since) || q.outcome == "" && !q.issued {
			continue
		}
		row := finding{Section: "issued", Request: id, Kind: q.kind, Time: q.received.Format(time.RFC3339), Requester: q.requester, Outcome: q.outcome}
		if q.outcome == "" {
			row.Outcome = "pending"
		}
		sigs := byReq[id]
		sort.Slice(sigs, func(i, j int) bool { return sigs[i].NodeKey.String() < sigs[j].NodeKey.String() })
		if q.failure != "" {
			row.Note = "approved, signing failed, nothing signed: " + q.failure
		}
		if len(sigs) == 0 {
			row.NodeKey, row.Name = q.nodeKey, names[q.nodeKey]
			rep.Findings = append(rep.Findings, row)
			continue
		}
		for _, s := range sigs {
			r := row
			r.NodeKey, r.Name = s.NodeKey.String(), names[s.NodeKey.String()]
			r.Note = "signature " + hex.EncodeToString(s.Signature)[:16] + "…"
			rep.Findings = append(rep.Findings, r)
		}
	}
	return nil
}

// untrusted lists nodes whose signature chains to a key no longer trusted.
func (rep *report) untrusted(nodes []lockstatus.Node, trusted map[string]bool) {
	for _, n := range nodes {
		k := tka.FormatTLPub(n.Authorizing)
		if !trusted[k] {
			rep.Findings = append(rep.Findings, finding{Section: "untrusted", NodeKey: n.NodeKey.String(), Name: strings.TrimSuffix(n.Name, "."), Key: k,
				Note: "signed by a key the authority no longer trusts: re-sign or remove the node"})
		}
	}
}

// outstanding lists pre-signed auth keys whose credential no node of the
// status carries.
func (rep *report) outstanding(reqs map[string]*reqInfo, order []string, nodes []lockstatus.Node) {
	used := map[string]bool{}
	for _, n := range nodes {
		for s := n.Sig; s != nil; s = s.Nested {
			if s.SigKind == tka.SigCredential && len(s.WrappingPubkey) > 0 {
				used[tka.FormatTLPub(s.WrappingPubkey)] = true
			}
		}
	}
	for _, id := range order {
		q := reqs[id]
		if q.kind != string(signer.KindWrapAuthKey) || !q.released {
			continue
		}
		if q.credential != "" && used[q.credential] {
			continue
		}
		note := "no node of the status joined with it yet; revoke the pre-auth key in the admin console if it is not needed"
		if q.credential == "" {
			note = "issued before signet recorded credentials: cannot tell whether it was used"
		}
		rep.Findings = append(rep.Findings, finding{Section: "outstanding", Request: id, Kind: q.kind, Time: q.received.Format(time.RFC3339), Requester: q.requester, Key: q.credential, Note: note})
	}
}

// stale lists devices not seen for days.
func (rep *report) stale(devs map[string]device, now time.Time, days int) {
	if days <= 0 {
		return
	}
	var keys []string
	for k := range devs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := devs[k]
		seen, err := time.Parse(time.RFC3339, d.LastSeen)
		if err != nil || now.Sub(seen) < time.Duration(days)*24*time.Hour {
			continue
		}
		rep.Findings = append(rep.Findings, finding{Section: "stale", NodeKey: k, Name: d.Name, Time: d.LastSeen,
			Note: fmt.Sprintf("not seen for %d days", int(now.Sub(seen).Hours()/24))})
	}
}

func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

var csvHeader = []string{"section", "request", "kind", "node_key", "name", "time", "requester", "outcome", "key", "note"}

func (f finding) fields() []string {
	return []string{f.Section, f.Request, f.Kind, f.NodeKey, f.Name, f.Time, f.Requester, f.Outcome, f.Key, f.Note}
}

func (rep *report) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for _, f := range rep.Findings {
		_ = cw.Write(f.fields())
	}
	cw.Flush()
	return cw.Error()
}

// writeTable prints the findings grouped by section. Names and requesters
// are claims and may hold anything: control characters are escaped.
func (rep *report) writeTable(w io.Writer) {
	fmt.Fprintf(w, "review of box key %s, %s\n", rep.BoxKey, rep.Generated)
	for _, sec := range []string{"issued", "untrusted", "outstanding", "stale"} {
		var buf bytes.Buffer
		tw := tabwriter.NewWriter(&buf, 2, 4, 2, ' ', 0)
		n := 0
		for _, f := range rep.Findings {
			if f.Section != sec {
				continue
			}
			n++
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", plain(f.Time), plain(f.Request), plain(f.NodeKey), plain(f.Name), plain(f.Requester), plain(f.Outcome), plain(f.Key+" "+f.Note))
		}
		tw.Flush()
		fmt.Fprintf(w, "\n%s: %d\n%s", sec, n, buf.String())
	}
}

// plain escapes control characters in untrusted text for a terminal.
func plain(s string) string {
	q := fmt.Sprintf("%q", s)
	return strings.TrimSpace(q[1 : len(q)-1])
}
