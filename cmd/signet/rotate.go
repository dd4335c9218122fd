package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/keyplan"
)

// rotateArgs holds the flags of "signet rotate plan|execute".
type rotateArgs struct {
	clientArgs
	statusJSON string
	add        string
	remove     string
	exclude    []string
	override   bool
}

// newRotateCmd builds "signet rotate" and its verbs.
func newRotateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rotate VERB",
		Short: "Add a signing key, re-sign the nodes of the one removed, remove it",
		Long: `Rotate a Tailnet Lock signing key: add the new key, re-sign with the
box's key every node whose signature chains to the old key, then remove
the old key, so no node is ever left unsigned. The nodes and the keys that
signed them come from 'tailscale lock status --json'. 'rotate plan' prints
the steps; 'rotate execute' sends them to the daemon in order, each
reviewed on the console, and stops at the first refusal. 'rotate handoff'
prints the runbook for moving the role to a new box.`,
		Args: noArgs,
		RunE: noVerb,
	}
	cmd.AddCommand(newRotatePlanCmd(false), newRotatePlanCmd(true), newRotateHandoffCmd())
	return cmd
}

func newRotatePlanCmd(execute bool) *cobra.Command {
	a := &rotateArgs{}
	use, short := "plan", "Print what a rotation would do; send nothing"
	example := `  $ signet rotate plan --status-json status.json --add tlpub:NEW --remove tlpub:OLD`
	if execute {
		use, short = "execute", "Send the rotation's steps to the daemon, each reviewed on the console"
		example = `  $ signet rotate execute --status-json status.json --add tlpub:NEW --remove tlpub:OLD`
	}
	cmd := &cobra.Command{
		Use:   use + " --status-json FILE|- [--add tlpub:HEX] --remove tlpub:HEX",
		Short: short,
		Long: short + `.

Every node-key signature in the status is verified against the daemon's
authority first: an entry whose signature does not verify (a forged or
stale status) is listed as refused and never re-signed.

Safety rails: a plan that leaves fewer than two trusted keys, removes this
box's own key, or leaves unsigned a node the removed key signed (see
--exclude) is refused unless --override is given; the daemon then asks the
operator to confirm the override on the console.`,
		Example: example,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := a.plan(cmd)
			if err != nil {
				return err
			}
			if !execute {
				if a.json {
					if err := printPlanJSON(cmd.OutOrStdout(), p, ""); err != nil {
						return err
					}
				} else {
					printPlan(cmd.OutOrStdout(), p, false)
				}
				return p.RailError(a.override)
			}
			printPlan(cmd.ErrOrStderr(), p, false)
			if err := p.RailError(a.override); err != nil {
				return err
			}
			return executePlan(cmd, &a.clientArgs, p, a.override, false)
		},
	}
	addClientFlags(cmd, &a.clientArgs)
	if !execute {
		cmd.Flags().Lookup("json").Usage = "print the plan as JSON (schema version 1)"
	}
	f := cmd.Flags()
	f.StringVar(&a.statusJSON, "status-json", "", "`FILE` (or -) holding 'tailscale lock status --json' from an online node")
	f.StringVar(&a.add, "add", "", "the new signing key, `tlpub:HEX[?VOTES]` (skipped if already trusted)")
	f.StringVar(&a.remove, "remove", "", "the signing key to remove, `tlpub:HEX`")
	f.StringArrayVar(&a.exclude, "exclude", nil, "do not re-sign `nodekey:HEX` (it is left unsigned: a safety rail)")
	f.BoolVar(&a.override, "override", false, "go ahead although the plan breaks a safety rail (confirmed on the console)")
	return cmd
}

func (a *rotateArgs) plan(cmd *cobra.Command) (*keyplan.Plan, error) {
	if a.statusJSON == "" || a.remove == "" {
		return nil, usageErrorf("--status-json FILE and --remove tlpub:HEX are required")
	}
	exclude, err := keyplan.ParseNodeKeys("--exclude", a.exclude)
	if err != nil {
		return nil, err
	}
	st, err := readStatusJSON(cmd, a.statusJSON)
	if err != nil {
		return nil, err
	}
	info, err := daemonStatus(cmd, a.socket, st)
	if err != nil {
		return nil, err
	}
	return keyplan.Build(keyplan.Input{Info: info, Status: st, Add: a.add, Remove: a.remove, Exclude: exclude})
}

// executePlan sends the plan's steps in order, each reviewed on the
// console; the first refusal stops it. Then it prints how to finish.
func executePlan(cmd *cobra.Command, ca *clientArgs, p *keyplan.Plan, override, revoke bool) error {
	base := ca.id
	if base == "" {
		base = api.NewRequestID()
	}
	err := p.Run(override, base, func(s keyplan.Step, id string) error {
		c := *ca
		c.id = id
		fmt.Fprintf(cmd.ErrOrStderr(), "signet: step %s\n", s.Suffix)
		return send(cmd, &c, s.Request)
	})
	if err != nil {
		return err
	}
	if p.Handoff {
		fmt.Fprintln(cmd.ErrOrStderr(), "signet: this box's key is the one removed; the box holding the added key re-signs and removes it")
	}
	printFinish(cmd.ErrOrStderr(), p, revoke)
	return nil
}
