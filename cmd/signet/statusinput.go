package main

// Shared by the verbs that read `tailscale lock status` output (sign
// --from-status, approve, rotate, revoke-device, review): reading a file
// or standard input, and checking the status belongs to this authority.

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/lockstatus"
)

// maxInput bounds what a verb reads from a file or standard input.
const maxInput = 256 << 20

// readInput reads path, or standard input for "-".
func readInput(cmd *cobra.Command, path, flag string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = cmd.InOrStdin()
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, usageErr(fmt.Errorf("%s: %w", flag, err))
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", flag, err)
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("%s is larger than %d MiB", flag, maxInput>>20)
	}
	return b, nil
}

// readStatusJSON reads and parses `tailscale lock status --json` output.
func readStatusJSON(cmd *cobra.Command, path string) (*lockstatus.Status, error) {
	b, err := readInput(cmd, path, "--status-json")
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
