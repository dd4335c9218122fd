package wgintake

import "time"

// ReportSchema is the schema version of 'signet wg show --json'.
const ReportSchema = 1

// Report is the output of 'signet wg show --json' (docs/cli.md).
type Report struct {
	SchemaVersion int          `json:"schema_version"`
	Peers         []PeerReport `json:"peers"` // in the order of the status: sorted by name
}

// PeerReport is one peer of the intake in a Report.
type PeerReport struct {
	Name          string   `json:"name"`
	PublicKey     string   `json:"public_key"` // base64, as WireGuard prints it
	Endpoint      string   `json:"endpoint,omitempty"`
	AllowedIPs    []string `json:"allowed_ips"`
	LastHandshake string   `json:"last_handshake,omitempty"` // RFC 3339 in UTC; left out before the first
	RxBytes       uint64   `json:"rx_bytes"`
	TxBytes       uint64   `json:"tx_bytes"`
}

// NewReport is the report of the peers' status st. Lists are never
// null: no peers and no allowed addresses are empty lists.
func NewReport(st []PeerStatus) *Report {
	r := &Report{SchemaVersion: ReportSchema, Peers: []PeerReport{}}
	for _, p := range st {
		j := PeerReport{Name: p.Name, PublicKey: p.PublicKey, Endpoint: p.Endpoint, AllowedIPs: p.AllowedIPs, RxBytes: p.RxBytes, TxBytes: p.TxBytes}
		if j.AllowedIPs == nil {
			j.AllowedIPs = []string{}
		}
		if !p.LastHandshake.IsZero() {
			j.LastHandshake = p.LastHandshake.UTC().Format(time.RFC3339)
		}
		r.Peers = append(r.Peers, j)
	}
	return r
}
