// Package devices reads the admin API's device list
// (GET /api/v2/tailnet/-/devices): the labels the lock status lacks, such
// as tags, OS, user and last-seen time. Every field is a claim of the
// control plane; signet shows them as such and never trusts them.
package devices

import (
	"encoding/json"
	"fmt"

	"github.com/signetbox/signet/tka"
)

// Device is one entry of the device list.
type Device struct {
	Name           string   `json:"name"`
	OS             string   `json:"os"`
	User           string   `json:"user"`
	Tags           []string `json:"tags"`
	NodeKey        string   `json:"nodeKey"`
	TailnetLockKey string   `json:"tailnetLockKey"`
	LastSeen       string   `json:"lastSeen"` // RFC 3339
}

// Parse reads the device list, keyed by node key. Node keys and
// tailnet-lock keys must parse; other fields are taken as given.
func Parse(data []byte) (map[string]Device, error) {
	var doc struct {
		Devices []Device `json:"devices"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("reading the device list (want the admin API's {\"devices\": […]}): %w", err)
	}
	out := map[string]Device{}
	for i, d := range doc.Devices {
		if _, err := tka.ParseNodeKey(d.NodeKey); err != nil {
			return nil, fmt.Errorf("devices[%d]: %w", i, err)
		}
		if d.TailnetLockKey != "" {
			if _, err := tka.ParseTLPub(d.TailnetLockKey); err != nil {
				return nil, fmt.Errorf("devices[%d]: %w", i, err)
			}
		}
		out[d.NodeKey] = d
	}
	return out, nil
}

// HasAllTags reports whether d carries every tag in want.
func (d Device) HasAllTags(want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range d.Tags {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
