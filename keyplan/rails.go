package keyplan

import (
	"fmt"
	"strings"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// checkRails records the safety rails the plan breaks. The key-count
// rail is the daemon's own (signer.KeyCountRail), so the plan and the
// console refuse with the same words.
func (p *Plan) checkRails(intended map[tka.NodeKey]bool) {
	if p.Handoff {
		// Nothing is removed from this box: the holder of the new key
		// plans (and is checked) again.
		return
	}
	if r := signer.KeyCountRail(len(p.After)); r != "" {
		p.Rails = append(p.Rails, r)
	}
	var n int
	for _, l := range p.Left {
		if !intended[l.NodeKey] {
			n++
		}
	}
	if n > 0 {
		p.Rails = append(p.Rails, fmt.Sprintf("%d node(s) signed by the removed key would be left unsigned", n))
	}
}

// RailError refuses a plan that breaks a safety rail, unless override.
func (p *Plan) RailError(override bool) error {
	if len(p.Rails) == 0 || override {
		return nil
	}
	return cli.WithHint(fmt.Errorf("the plan breaks a safety rail: %s", strings.Join(p.Rails, "; ")),
		"if this is deliberate, run it again with --override and confirm the override on the console")
}
