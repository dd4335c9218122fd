package main

// Printing of the plan shared by "signet rotate" and "signet
// revoke-device"; package keyplan computes it.

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/keyplan"
	"github.com/signetbox/signet/tka"
)

// printPlan writes the plan, one step per line, for the operator. revoke
// selects revoke-device's finishing steps.
func printPlan(w io.Writer, p *keyplan.Plan, revoke bool) {
	fmt.Fprintf(w, "box key:       %s\n", tka.FormatTLPub(p.Box))
	fmt.Fprintf(w, "trusted keys:  %d before, %d after\n", len(p.Before), len(p.After))
	step := 1
	if p.Add != nil {
		fmt.Fprintf(w, "step %d: add-key AUM: adds %s\n", step, tka.FormatTLPub(p.Add))
		step++
	}
	if p.Handoff {
		fmt.Fprintf(w, "%s\n", p.Finish(revoke)[1])
		fmt.Fprintf(w, "  (this box's key is the one removed: it cannot re-sign nodes with it)\n")
	} else {
		fmt.Fprintf(w, "step %d: re-sign batch: %d node(s) signed by %s get a direct signature by the box key\n", step, len(p.Resign), tka.FormatTLPub(p.Remove))
		for _, n := range p.Resign {
			fmt.Fprintf(w, "  re-sign %s  %s\n", n.NodeKey, cli.Plain(n.Name))
		}
		step++
		fmt.Fprintf(w, "step %d: remove-key AUM: removes %s\n", step, tka.FormatTLPub(p.Remove))
	}
	for _, n := range p.Left {
		fmt.Fprintf(w, "  left unsigned: %s  %s\n", n.NodeKey, cli.Plain(n.Name))
	}
	if len(p.Refused) > 0 {
		fmt.Fprintf(w, "refused: %d node(s) of the status whose signature does not verify under the authority; they are never re-signed\n", len(p.Refused))
	}
	for _, r := range p.Refused {
		fmt.Fprintf(w, "  refused %s  %s: %s\n", cli.Plain(r.NodeKey), cli.Plain(r.Name), cli.Plain(r.Reason))
	}
	for _, r := range p.Rails {
		fmt.Fprintf(w, "SAFETY RAIL: %s\n", r)
	}
}

// printPlanJSON writes the plan as JSON (schema version 1); revoke names
// the revoked device, if any.
func printPlanJSON(w io.Writer, p *keyplan.Plan, revoke string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p.JSON(revoke))
}

// printFinish writes the steps that complete a plan once this box's
// requests are signed.
func printFinish(w io.Writer, p *keyplan.Plan, revoke bool) {
	fmt.Fprintln(w, "signet: to finish:")
	for _, l := range p.Finish(revoke) {
		fmt.Fprintf(w, "  %s\n", l)
	}
}
