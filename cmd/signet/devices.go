package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/devices"
)

// readDevices reads the admin API device list named by --devices-json,
// keyed by node key.
func readDevices(cmd *cobra.Command, path string) (map[string]devices.Device, error) {
	b, err := cli.ReadInput(cmd.InOrStdin(), path, "--devices-json")
	if err != nil {
		return nil, err
	}
	out, err := devices.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("--devices-json: %w", err)
	}
	return out, nil
}
