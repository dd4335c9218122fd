package main

// Printing of the plan shared by "signet rotate" and "signet
// revoke-device"; package keyplan computes it.

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/signetbox/signet/keyplan"
)

// printPlan writes the plan, one step per line, for the operator. revoke
// selects revoke-device's finishing steps.
func printPlan(w io.Writer, p *keyplan.Plan, revoke bool) {
	for _, l := range p.Text(revoke) {
		fmt.Fprintln(w, l)
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
