package wgintake

import (
	"encoding/json"
	"testing"
	"time"
)

func TestNewReport(t *testing.T) {
	for _, tt := range []struct {
		st   []PeerStatus
		want string
	}{
		{nil, `{"schema_version":1,"peers":[]}`},
		{[]PeerStatus{{Name: "relay", PublicKey: "cHVi", Endpoint: "192.0.2.1:51820", AllowedIPs: []string{"10.77.0.2/32"},
			LastHandshake: time.Date(2026, 12, 2, 18, 0, 0, 123, time.FixedZone("CET", 3600)), RxBytes: 7, TxBytes: 9},
			{Name: "spare", PublicKey: "c3Bh"}},
			`{"schema_version":1,"peers":[` +
				`{"name":"relay","public_key":"cHVi","endpoint":"192.0.2.1:51820","allowed_ips":["10.77.0.2/32"],"last_handshake":"2026-12-02T17:00:00Z","rx_bytes":7,"tx_bytes":9},` +
				`{"name":"spare","public_key":"c3Bh","allowed_ips":[],"rx_bytes":0,"tx_bytes":0}]}`},
	} {
		b, err := json.Marshal(NewReport(tt.st))
		if err != nil || string(b) != tt.want {
			t.Errorf("NewReport(%+v) = %s, %v; want %s", tt.st, b, err, tt.want)
		}
	}
}
