package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/audit"
	"github.com/signetbox/signet/internal/devices"
)

// reviewArgs holds the flags of "signet review".
type reviewArgs struct {
	statusJSON string
	devices    string
	since      string
	staleDays  int
	json       bool
	csv        bool
}

// newReviewCmd builds "signet review".
func newReviewCmd() *cobra.Command {
	a := &reviewArgs{}
	cmd := &cobra.Command{
		Use:   "review --status-json FILE|- [--since DATE|DAYSd] [--devices-json FILE --stale-days N] [--json|--csv]",
		Short: "Audit what this box signed, for whom, and what is still outstanding",
		Long: `Answer an auditor's "who approved this device, and when" from this box's
journal and signature index, and an imported 'tailscale lock status
--json'. It lists:

  issued       every request this box signed: node, time, who asked, the
               console's outcome and each node signature in full
  not-issued   every reviewed request that signed nothing: denied,
               wrong-code, timeout, failed after approval, …
  untrusted    nodes of the status signed by a key no longer trusted
  outstanding  pre-signed auth keys (wrap-authkey) no node has used yet
  stale        nodes not seen for --stale-days days (needs --devices-json,
               the admin API device list: the lock status has no last-seen);
               without them it says "not checked"

It runs offline and reads the state directory without changing it, so it
works while 'signet serve' runs. --json prints schema version 1; --csv one
row per finding.`,
		Example: `  $ signet review --status-json status.json --since 2025-01-01
  $ signet review --status-json status.json --devices-json devices.json --stale-days 30 --csv > audit.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReview(cmd, a) },
	}
	f := cmd.Flags()
	f.StringVar(&a.statusJSON, "status-json", "", "`FILE` (or -) holding 'tailscale lock status --json'")
	f.StringVar(&a.devices, "devices-json", "", "`FILE`: the admin API device list, for last-seen times")
	f.StringVar(&a.since, "since", "", "list requests since `DATE` (YYYY-MM-DD) or for the last N days (e.g. 30d)")
	f.IntVar(&a.staleDays, "stale-days", 0, "list nodes not seen for `N` days (needs --devices-json)")
	f.BoolVar(&a.json, "json", false, "print JSON (schema version 1)")
	f.BoolVar(&a.csv, "csv", false, "print CSV")
	return cmd
}

func runReview(cmd *cobra.Command, a *reviewArgs) error {
	if a.statusJSON == "" {
		return usageErrorf("--status-json FILE is required")
	}
	if a.json && a.csv {
		return usageErrorf("give either --json or --csv, not both")
	}
	if a.staleDays < 0 || (a.staleDays > 0 && a.devices == "") {
		return usageErr(withHint(fmt.Errorf("--stale-days needs --devices-json and a positive number of days"),
			"'tailscale lock status --json' has no last-seen time; save the admin API device list"))
	}
	now := time.Now().UTC()
	since, err := audit.ParseSince(a.since, now)
	if err != nil {
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
	dir := stateDirOf(cmd)
	ks, err := loadKeyState(dir)
	if err != nil {
		return err
	}
	rep, err := audit.Build(audit.Input{Dir: dir, BoxKey: ks.Pub, Status: st, Devices: devs, Since: since, Now: now, StaleDays: a.staleDays})
	if err != nil {
		return err
	}
	switch {
	case a.json:
		return rep.WriteJSON(cmd.OutOrStdout())
	case a.csv:
		return rep.WriteCSV(cmd.OutOrStdout())
	}
	return rep.WriteTable(cmd.OutOrStdout())
}
