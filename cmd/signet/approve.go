package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/devices"
	"github.com/signetbox/signet/keyplan"
)

// approveArgs holds the flags of "signet approve".
type approveArgs struct {
	clientArgs
	statusJSON string
	name       string
	tags       []string
	devices    string
	limit      int
	all        bool
	dryRun     bool
}

// newApproveCmd builds "signet approve".
func newApproveCmd() *cobra.Command {
	a := &approveArgs{}
	cmd := &cobra.Command{
		Use:   "approve --status-json FILE|- (--name GLOB | --tag TAG --devices-json FILE | --all) [--limit N]",
		Short: "Ask the daemon to sign many locked-out nodes after one review",
		Long: `Read 'tailscale lock status --json' from a node of the tailnet, select the
locked-out nodes it lists (FilteredPeers) that match the filters, and send
them as ONE batch request: the console lists every node of the batch and
signs them all after one approval.

A selector is required: --name matches the node's DNS name (a shell
pattern such as 'exit-*'); --tag selects by tag and needs --devices-json,
the device list of the admin API (GET /api/v2/tailnet/-/devices), since
the lock status carries no tags, OS or user (the list also adds each
node's OS, user, tags and tailnet-lock key to the review as unverified
claims); --all selects every locked-out node.

Nodes that this box signed before are skipped by the daemon and answered
with their signatures. --limit N signs at most N of the others, in the
order of the status: the count on the console, the count printed here
and the count signed are the same.

The status must come from this tailnet: its state ID is checked against
the daemon's authority. --dry-run prints the selection and sends nothing.`,
		Example: `  $ tailscale lock status --json > status.json
  $ signet approve --status-json status.json --name 'exit-*' --limit 500
  $ signet approve --status-json status.json --all --dry-run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runApprove(cmd, a) },
	}
	addClientFlags(cmd, &a.clientArgs)
	f := cmd.Flags()
	f.StringVar(&a.statusJSON, "status-json", "", "`FILE` (or -) holding 'tailscale lock status --json'")
	f.StringVar(&a.name, "name", "", "select nodes whose DNS name matches `GLOB`")
	f.StringArrayVar(&a.tags, "tag", nil, "select nodes carrying `TAG` (tag:…); needs --devices-json")
	f.StringVar(&a.devices, "devices-json", "", "`FILE`: the admin API device list, for tags, OS, user and tailnet-lock keys")
	f.BoolVar(&a.all, "all", false, "select every locked-out node the status lists")
	f.IntVar(&a.limit, "limit", 0, "sign at most `N` nodes not signed before (0: all selected)")
	f.BoolVar(&a.dryRun, "dry-run", false, "print the selection, send nothing")
	return cmd
}

func runApprove(cmd *cobra.Command, a *approveArgs) error {
	if a.statusJSON == "" {
		return usageErrorf("--status-json FILE is required")
	}
	sel := keyplan.Selector{Name: a.name, Tags: a.tags}
	if err := sel.Check(a.all, a.devices != "", a.limit); err != nil {
		return err
	}
	st, err := readStatusJSON(cmd, a.statusJSON)
	if err != nil {
		return err
	}
	var devs map[string]devices.Device
	if a.devices != "" {
		if devs, err = readDevices(cmd, a.devices); err != nil {
			return err
		}
	}
	nodes, err := keyplan.SelectLockedOut(st, devs, sel)
	if err != nil {
		return err
	}
	if a.dryRun {
		for _, n := range nodes {
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", n.NodeKey, n.Claims["device"])
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "signet: %d node(s) selected%s; nothing sent (--dry-run)\n", len(nodes), keyplan.LimitNote(a.limit))
		return nil
	}
	if _, err := daemonStatus(cmd, a.socket, st); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "signet: %d node(s) selected%s\n", len(nodes), keyplan.LimitNote(a.limit))
	return send(cmd, &a.clientArgs, &api.Request{Kind: api.KindBatch, Nodes: nodes, Limit: a.limit})
}
