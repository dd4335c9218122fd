package keyplan

import (
	"fmt"
	"path"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/tka"
)

// Text is the plan for the operator, one line each: the box key, the
// counts of trusted keys, each step with the nodes it re-signs, the nodes
// left unsigned or refused, and the safety rails it breaks. Text that
// came with the status is made plain (cli.Plain). revoke selects
// revoke-device's finishing steps.
func (p *Plan) Text(revoke bool) []string {
	out := []string{
		fmt.Sprintf("box key:       %s", tka.FormatTLPub(p.Box)),
		fmt.Sprintf("trusted keys:  %d before, %d after", len(p.Before), len(p.After)),
	}
	step := 1
	if p.Add != nil {
		out = append(out, fmt.Sprintf("step %d: add-key AUM: adds %s", step, tka.FormatTLPub(p.Add)))
		step++
	}
	if p.Handoff {
		out = append(out, p.Finish(revoke)[1], "  (this box's key is the one removed: it cannot re-sign nodes with it)")
	} else {
		out = append(out, fmt.Sprintf("step %d: re-sign batch: %d node(s) signed by %s get a direct signature by the box key", step, len(p.Resign), tka.FormatTLPub(p.Remove)))
		for _, n := range p.Resign {
			out = append(out, fmt.Sprintf("  re-sign %s  %s", n.NodeKey, cli.Plain(n.Name)))
		}
		out = append(out, fmt.Sprintf("step %d: remove-key AUM: removes %s", step+1, tka.FormatTLPub(p.Remove)))
	}
	for _, n := range p.Left {
		out = append(out, fmt.Sprintf("  left unsigned: %s  %s", n.NodeKey, cli.Plain(n.Name)))
	}
	if len(p.Refused) > 0 {
		out = append(out, fmt.Sprintf("refused: %d node(s) of the status whose signature does not verify under the authority; they are never re-signed", len(p.Refused)))
	}
	for _, r := range p.Refused {
		out = append(out, fmt.Sprintf("  refused %s  %s: %s", cli.Plain(r.NodeKey), cli.Plain(r.Name), cli.Plain(r.Reason)))
	}
	for _, r := range p.Rails {
		out = append(out, fmt.Sprintf("SAFETY RAIL: %s", r))
	}
	return out
}

// Run sends the plan's steps (Steps) in order through send, each with
// the request ID base, a dash and the step's suffix; the first error
// stops it and no later step is sent.
func (p *Plan) Run(override bool, base string, send func(s Step, id string) error) error {
	for _, s := range p.Steps(override) {
		if err := send(s, base+"-"+s.Suffix); err != nil {
			return fmt.Errorf("step %s stopped the plan (later steps were not sent): %w", s.Suffix, err)
		}
	}
	return nil
}

// Text is the recovery for the operator: the head it forks away from,
// the fork point, each key of auth that it keeps or removes, the unsigned
// AUM in hex and the next steps.
func (r *Recovery) Text(auth *tka.Authority) []string {
	parent, _ := r.AUM.Parent()
	out := []string{fmt.Sprintf("head now:   %v", auth.Head()), fmt.Sprintf("forks from: %v", parent)}
	for _, k := range auth.Keys() {
		verb := "keeps  "
		if !r.AUM.State.Trusts(k.Public) {
			verb = "REMOVES"
		}
		out = append(out, fmt.Sprintf("%s %s (%d vote(s))", verb, tka.FormatTLPub(k.Public), k.Votes))
	}
	return append(out, fmt.Sprintf("recovery AUM (unsigned): %s", tka.FormatHexAUM(r.AUM)),
		"next: co-sign it on each box holding a kept key: signet revoke-keys --cosign HEX --removes tlpub:…",
		"      (or on a node with a kept key: tailscale lock revoke-keys --cosign HEX), then tailscale lock revoke-keys --finish HEX")
}

// Warnings are the warnings of a recovery, one per key it keeps that a
// revoked key added after the fork.
func (r *Recovery) Warnings() []string {
	var out []string
	for _, k := range r.Kept {
		out = append(out, fmt.Sprintf("%s was added by AUM %v, signed by a key being revoked, and the recovery keeps it; add --plan %s to remove it too",
			tka.FormatTLPub(k.Key.Public), k.AUM, tka.FormatTLPub(k.Key.Public)))
	}
	return out
}

// Check refuses, as usage errors, an approval's flags that select
// nothing on purpose or make no sense together: all with a name or tag,
// no selector at all, tags without the device list (devices), a negative
// limit or a name that is no valid pattern.
func (s Selector) Check(all, devices bool, limit int) error {
	has := s.Name != "" || len(s.Tags) > 0
	switch {
	case all && has:
		return cli.Usagef("give either --all or --name/--tag, not both")
	case !all && !has:
		return cli.Usage(cli.WithHint(fmt.Errorf("no selector: give --name GLOB or --tag TAG to pick nodes, or --all for every locked-out node"),
			"'signet approve --status-json FILE --all --dry-run' lists them"))
	case len(s.Tags) > 0 && !devices:
		return cli.Usage(cli.WithHint(fmt.Errorf("--tag needs --devices-json: 'tailscale lock status --json' carries no tags"),
			"save the admin API device list (GET /api/v2/tailnet/-/devices) and pass it with --devices-json"))
	case limit < 0:
		return cli.Usagef("--limit is %d; it must be 0 (all) or more", limit)
	}
	if _, err := path.Match(s.Name, ""); err != nil {
		return cli.Usagef("--name %q is not a valid pattern: %v", s.Name, err)
	}
	return nil
}

// LimitNote says what the daemon does with a batch of nodes and its
// --limit, after "N node(s) selected".
func LimitNote(limit int) string {
	if limit == 0 {
		return "; the daemon skips those it signed before"
	}
	return fmt.Sprintf("; the daemon skips those it signed before and signs at most %d of the others", limit)
}
