package audit

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/devices"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// requests lists every decided request received since: those that
// signed something under issued (one row per node signature), the others
// (denied, wrong code, timed out, failed, …) under not-issued.
func (rep *Report) requests(j *journalView, sigs map[string][]signer.IssuedSignature, names map[string]string, since time.Time) {
	for _, id := range j.order {
		q := j.reqs[id]
		if q.received.Before(since) || q.outcome == "" && !q.issued {
			continue
		}
		row := Finding{Section: SectionIssued, Request: id, Kind: q.kind, Time: q.received.Format(time.RFC3339), Requester: q.requester, Outcome: q.outcome}
		if !q.issued {
			row.Section = SectionNotIssued
		}
		if q.outcome == "" {
			row.Outcome = "pending"
		}
		if q.failure != "" {
			row.Note = "approved, signing failed, nothing signed: " + q.failure
		}
		if len(sigs[id]) == 0 {
			row.NodeKey, row.Name = q.nodeKey, names[q.nodeKey]
			rep.Findings = append(rep.Findings, row)
			continue
		}
		for _, s := range sigs[id] {
			r := row
			r.NodeKey, r.Name = s.NodeKey.String(), names[s.NodeKey.String()]
			r.Signature = hex.EncodeToString(s.Signature)
			r.Note = "signature " + r.Signature[:min(16, len(r.Signature))] + "…"
			rep.Findings = append(rep.Findings, r)
		}
	}
}

// untrusted lists nodes whose signature chains to a key no longer trusted.
func (rep *Report) untrusted(nodes []lockstatus.Node, trusted *tka.State) {
	for _, n := range nodes {
		if !trusted.Trusts(n.Authorizing) {
			rep.Findings = append(rep.Findings, Finding{Section: SectionUntrusted, NodeKey: n.NodeKey.String(), Name: strings.TrimSuffix(n.Name, "."),
				Key: tka.FormatTLPub(n.Authorizing), Note: "signed by a key the authority no longer trusts: re-sign or remove the node"})
		}
	}
}

// outstanding lists pre-signed auth keys whose credential no node of the
// status carries.
func (rep *Report) outstanding(j *journalView, nodes []lockstatus.Node) {
	used := map[string]bool{}
	for _, n := range nodes {
		for s := n.Sig; s != nil; s = s.Nested {
			if s.SigKind == tka.SigCredential && len(s.WrappingPubkey) > 0 {
				used[tka.FormatTLPub(s.WrappingPubkey)] = true
			}
		}
	}
	for _, id := range j.order {
		q := j.reqs[id]
		if q.kind != string(api.KindWrapAuthKey) || !q.released {
			continue
		}
		if q.credential != "" && used[q.credential] {
			continue
		}
		note := "no node of the status joined with it yet; revoke the pre-auth key in the admin console if it is not needed"
		if q.credential == "" {
			note = "issued before signet recorded credentials: cannot tell whether it was used"
		}
		rep.Findings = append(rep.Findings, Finding{Section: SectionOutstanding, Request: id, Kind: q.kind, Time: q.received.Format(time.RFC3339), Requester: q.requester, Key: q.credential, Note: note})
	}
}

// stale lists devices not seen for days; with days 0 nothing is checked.
func (rep *Report) stale(devs map[string]devices.Device, now time.Time, days int) {
	if days <= 0 {
		return
	}
	rep.StaleChecked = true
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
		rep.Findings = append(rep.Findings, Finding{Section: SectionStale, NodeKey: k, Name: d.Name, Time: d.LastSeen,
			Note: fmt.Sprintf("not seen for %d days", int(now.Sub(seen).Hours()/24))})
	}
}
