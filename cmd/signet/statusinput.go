package main

// Shared by the verbs that read `tailscale lock status` output (approve,
// rotate, revoke-device, review): reading it (cli.ReadInput), and
// checking the status belongs to this authority.

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/lockstatus"
)

// readStatusJSON reads and parses `tailscale lock status --json` output.
func readStatusJSON(cmd *cobra.Command, path string) (*lockstatus.Status, error) {
	b, err := cli.ReadInput(cmd.InOrStdin(), path, "--status-json")
	if err != nil {
		return nil, err
	}
	st, err := lockstatus.ParseJSON(b)
	if err != nil {
		return nil, withHint(fmt.Errorf("--status-json: %w", err), "give the output of 'tailscale lock status --json' from a node of this tailnet")
	}
	return st, nil
}

// daemonStatus asks the daemon for the authority and checks st (if not
// nil) was made under it.
func daemonStatus(cmd *cobra.Command, socket string, st *lockstatus.Status) (*api.StatusInfo, error) {
	info, err := api.NewUnixClient(socket).Status(cmd.Context())
	if err != nil {
		return nil, withHint(err, "start the daemon with 'signet serve', or pass --socket")
	}
	if st != nil {
		if err := lockstatus.CheckStateID(st.StateID, info.StateID); err != nil {
			return nil, err
		}
	}
	return info, nil
}
