package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/keyplan"
	"github.com/signetbox/signet/tka"
)

// revokeDeviceArgs holds the flags of "signet revoke-device".
type revokeDeviceArgs struct {
	clientArgs
	statusJSON string
	newKey     string
	confirm    bool
	override   bool
}

// newRevokeDeviceCmd builds "signet revoke-device".
func newRevokeDeviceCmd() *cobra.Command {
	a := &revokeDeviceArgs{}
	cmd := &cobra.Command{
		Use:   "revoke-device nodekey:HEX --status-json FILE|- [--new-key tlpub:HEX] [--confirm]",
		Short: "Plan and carry out the revocation of a compromised device",
		Long: `Tailnet Lock cannot revoke one node-key signature: a device stays signed
as long as the key that signed it is trusted. So revoke-device removes
that key, after re-signing with this box's key every OTHER node it had
signed, and after adding a new key (--new-key: a fresh box or a YubiKey)
so the authority keeps enough keys.

Without --confirm the plan is printed and nothing is sent. With --confirm
the steps go to the daemon in order (add-key, re-sign batch, remove-key),
each reviewed on the console; the first refusal stops them. Every
signature in the status is verified against the daemon's authority
first: entries that do not verify are listed as refused and never
re-signed, and the device's own entry must verify. If the device
was signed by this box's own key, this box only adds the new key: finish
with the same command and --confirm on the box that holds it, --new-key
naming that box's own key. Once the steps are signed it prints the steps
that finish the revocation, the same as docs/revocation.md gives.`,
		Example: `  $ tailscale lock status --json > status.json
  $ signet revoke-device nodekey:9f3b... --status-json status.json --new-key tlpub:5c1e...
  $ signet revoke-device nodekey:9f3b... --status-json status.json --new-key tlpub:5c1e... --confirm`,
		Args: exactArgs(1, "nodekey:HEX"),
		RunE: func(cmd *cobra.Command, args []string) error { return runRevokeDevice(cmd, a, args[0]) },
	}
	addClientFlags(cmd, &a.clientArgs)
	cmd.Flags().Lookup("json").Usage = "print the plan (without --confirm) or the daemon's answers as JSON"
	f := cmd.Flags()
	f.StringVar(&a.statusJSON, "status-json", "", "`FILE` (or -) holding 'tailscale lock status --json' from an online node")
	f.StringVar(&a.newKey, "new-key", "", "required: a key to add before the removal, `tlpub:HEX` (this box's own key if another key signed the device)")
	f.BoolVar(&a.confirm, "confirm", false, "send the steps to the daemon (without it, only the plan is printed)")
	f.BoolVar(&a.override, "override", false, "go ahead although the plan breaks a safety rail (confirmed on the console)")
	return cmd
}

func runRevokeDevice(cmd *cobra.Command, a *revokeDeviceArgs, arg string) error {
	nk, err := tka.ParseNodeKey(arg)
	if err != nil {
		return usageErr(err)
	}
	if a.statusJSON == "" || a.newKey == "" {
		return usageErr(withHint(fmt.Errorf("--status-json FILE and --new-key tlpub:HEX are required"),
			"--new-key is a fresh box or YubiKey to add, or this box's own key if another key signed the device"))
	}
	st, err := readStatusJSON(cmd, a.statusJSON)
	if err != nil {
		return err
	}
	info, err := daemonStatus(cmd, a.socket, st)
	if err != nil {
		return err
	}
	signedBy, err := keyplan.RevokedSigner(st, info, nk)
	if err != nil {
		return err
	}
	p, err := keyplan.Build(keyplan.RevokeInput(info, st, nk, signedBy, a.newKey))
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if a.confirm {
		w = cmd.ErrOrStderr()
	}
	if a.json && !a.confirm {
		if err := printPlanJSON(w, p, nk.String()); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "revoke %s: signed by %s\n", nk, tka.FormatTLPub(signedBy))
		printPlan(w, p, true)
	}
	if err := p.RailError(a.override); err != nil {
		return err
	}
	if !a.confirm {
		fmt.Fprintln(cmd.ErrOrStderr(), "signet: nothing sent; run again with --confirm to carry out the plan")
		return nil
	}
	return executePlan(cmd, &a.clientArgs, p, a.override, true)
}
