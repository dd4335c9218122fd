package audit

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/devices"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// SchemaVersion is the schema version of the review's JSON.
const SchemaVersion = "1"

// Sections of a review, in the order they are printed.
const (
	SectionIssued      = "issued"      // requests that signed something
	SectionNotIssued   = "not-issued"  // reviewed requests that signed nothing
	SectionUntrusted   = "untrusted"   // nodes signed by a key no longer trusted
	SectionOutstanding = "outstanding" // wrapped auth keys no node used yet
	SectionStale       = "stale"       // devices not seen for days
)

// Sections lists the sections in print order.
var Sections = []string{SectionIssued, SectionNotIssued, SectionUntrusted, SectionOutstanding, SectionStale}

// Finding is one row of a review.
type Finding struct {
	Section   string `json:"section"`
	Request   string `json:"request,omitempty"`
	Kind      string `json:"kind,omitempty"`
	NodeKey   string `json:"node_key,omitempty"`
	Name      string `json:"name,omitempty"`
	Time      string `json:"time,omitempty"`
	Requester string `json:"requester,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
	Key       string `json:"key,omitempty"`
	Note      string `json:"note,omitempty"`
	// Signature is an issued node-key signature in full (hex), as the
	// index of issued signatures (signatures.jsonl) holds it.
	Signature string `json:"signature,omitempty"`
}

// Report is the whole review.
type Report struct {
	SchemaVersion string `json:"schema_version"`
	Generated     string `json:"generated"`
	BoxKey        string `json:"box_key"`
	// StaleChecked says whether the stale section was looked for (it
	// needs the device list and a number of days); when false, no stale
	// finding means nothing.
	StaleChecked bool      `json:"stale_checked"`
	Findings     []Finding `json:"findings"`
}

// Input is what a review is built from.
type Input struct {
	Dir     string             // the state directory, read only
	BoxKey  ed25519.PublicKey  // the box's signing key
	Status  *lockstatus.Status // 'tailscale lock status --json' of a node
	Devices map[string]devices.Device
	Since   time.Time // requests received before are left out
	Now     time.Time
	// StaleDays lists devices not seen for this many days; 0 checks
	// nothing (Devices is needed).
	StaleDays int
}

// Build reads the state directory and builds the review. A status from
// another authority is refused.
func Build(in Input) (*Report, error) {
	trusted, err := trustedKeys(in.Dir, in.Status)
	if err != nil {
		return nil, err
	}
	j, err := scanJournal(in.Dir)
	if err != nil {
		return nil, err
	}
	sigs, err := issuedSignatures(in.Dir, j)
	if err != nil {
		return nil, err
	}
	nodes, err := in.Status.SignedNodes()
	if err != nil {
		return nil, fmt.Errorf("--status-json: %w", err)
	}
	rep := &Report{SchemaVersion: SchemaVersion, Generated: in.Now.Format(time.RFC3339), BoxKey: tka.FormatTLPub(in.BoxKey)}
	rep.requests(j, sigs, statusNames(in.Status), in.Since)
	rep.untrusted(nodes, trusted)
	rep.outstanding(j, nodes)
	rep.stale(in.Devices, in.Now, in.StaleDays)
	return rep, nil
}

// trustedKeys reads the trusted keys of the local chain (read-only) and
// refuses a status from another authority.
func trustedKeys(dir string, st *lockstatus.Status) (*tka.State, error) {
	cs, err := signer.OpenChainStoreReadOnly(dir)
	if err != nil {
		return nil, cli.WithHint(err, "import the chain with 'signet chain import'")
	}
	defer cs.Close()
	auth, err := tka.Open(cs)
	if err != nil {
		return nil, err
	}
	if err := st.CheckAuthority(auth); err != nil {
		return nil, err
	}
	s := auth.State()
	return &s, nil
}

// statusNames maps the node keys of the status to their DNS names.
func statusNames(st *lockstatus.Status) map[string]string {
	out := map[string]string{}
	for _, p := range append(append([]lockstatus.Peer(nil), st.VisiblePeers...), st.FilteredPeers...) {
		out[p.NodeKey] = strings.TrimSuffix(p.DNSName, ".")
	}
	return out
}

// ParseSince reads --since: a date (YYYY-MM-DD) or a number of days back
// from now (30d). Empty is the zero time. Errors are usage errors.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == d {
			return now.AddDate(0, 0, -n), nil
		}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, cli.Usagef("--since %q must be a date (YYYY-MM-DD) or a number of days (30d)", s)
	}
	return t, nil
}
