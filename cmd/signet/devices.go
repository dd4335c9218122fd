package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/tka"
)

// device is one entry of the admin API's device list
// (GET /api/v2/tailnet/-/devices): labels the lock status lacks. Every
// field is a claim of the control plane, shown on the console as such.
type device struct {
	Name           string   `json:"name"`
	OS             string   `json:"os"`
	User           string   `json:"user"`
	Tags           []string `json:"tags"`
	NodeKey        string   `json:"nodeKey"`
	TailnetLockKey string   `json:"tailnetLockKey"`
	LastSeen       string   `json:"lastSeen"` // RFC 3339
}

// readDevices reads the device list, keyed by node key.
func readDevices(cmd *cobra.Command, path string) (map[string]device, error) {
	b, err := readInput(cmd, path, "--devices-json")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Devices []device `json:"devices"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("--devices-json: reading the device list (want the admin API's {\"devices\": […]}): %w", err)
	}
	out := map[string]device{}
	for i, d := range doc.Devices {
		if _, err := tka.ParseNodeKey(d.NodeKey); err != nil {
			return nil, fmt.Errorf("--devices-json: devices[%d]: %w", i, err)
		}
		if d.TailnetLockKey != "" {
			if _, err := tka.ParseTLPub(d.TailnetLockKey); err != nil {
				return nil, fmt.Errorf("--devices-json: devices[%d]: %w", i, err)
			}
		}
		out[d.NodeKey] = d
	}
	return out, nil
}
