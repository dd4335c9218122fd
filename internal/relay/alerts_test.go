package relay

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/testenv"
)

// promtool returns promtool: bin/tools/promtool (make deps puts it there,
// scripts/promtool.sh) or one in PATH. Outside CI a missing promtool
// skips; in CI it fails.
func promtool(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("../../bin/tools/promtool"); err == nil {
		return "../../bin/tools/promtool"
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		testenv.SkipOrFail(t, "no promtool; 'make deps' puts it in bin/tools (scripts/promtool.sh): %v", err)
	}
	return p
}

// TestAlertRules checks docs/relay-alerts.yml with promtool, runs its unit
// tests (testdata/alerts_test.yml: each alert fires at its threshold and
// not before), and checks that every signet_relay_ metric the rules use
// is one the relay serves.
func TestAlertRules(t *testing.T) {
	pt := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "../../docs/relay-alerts.yml"},
		{"test", "rules", "testdata/alerts_test.yml"},
	} {
		out, err := exec.Command(pt, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("promtool %v: %v\n%s", args, err, out)
		}
	}
	rules, err := os.ReadFile("../../docs/relay-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	q, err := OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{queue: q, now: time.Now, Poll: time.Second, metrics: newMetrics(q, time.Now)}
	served := map[string]bool{}
	for k := range scrape(t, r.Handler()) {
		served[regexp.MustCompile(`\{.*`).ReplaceAllString(k, "")] = true
	}
	used := regexp.MustCompile(`signet_relay_[a-z_]+`).FindAllString(string(rules), -1)
	if len(used) < 5 {
		t.Fatalf("the rules use only %v", used)
	}
	for _, name := range used {
		if !served[name] {
			t.Errorf("docs/relay-alerts.yml uses %s, which the relay does not serve", name)
		}
	}
}
