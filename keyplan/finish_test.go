package keyplan

import (
	"os"
	"strings"
	"testing"
)

// TestRevocationDocGivesTheFinishingSteps keeps docs/revocation.md and
// what revoke-device prints the same: every finishing step, handoff or
// not, appears word for word in the runbook.
func TestRevocationDocGivesTheFinishingSteps(t *testing.T) {
	doc, err := os.ReadFile("../docs/revocation.md")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: oldTL})
	if err != nil {
		t.Fatal(err)
	}
	handoff, err := Build(Input{Info: info(), Status: status(t), Add: freshTL, Remove: boxTL})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Plan{plain, handoff} {
		for _, l := range p.Finish(true) {
			if !strings.Contains(string(doc), "      "+l+"\n") {
				t.Errorf("docs/revocation.md does not give the finishing step %q", l)
			}
		}
	}
}
