package udev

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/testenv"
)

// maxExposure is the highest "systemd-analyze security" score the unit
// may have (0 is fully locked down, 10 is a unit with no sandboxing).
const maxExposure = 1.0

// needTool returns the path of a tool, skipping outside CI when it is
// missing; in CI (scripts/deps.sh installs it) a missing tool fails.
func needTool(t *testing.T, name string) string {
	t.Helper()
	return testenv.LookPath(t, name)
}

// maxRelayExposure is the highest score signet-relay.service may have:
// the relay needs the network and is less confined than the box.
const maxRelayExposure = 2.0

// TestUnitExposure scores signet.service (the unit the package installs)
// offline and fails above maxExposure.
func TestUnitExposure(t *testing.T) {
	score := exposure(t, "signet.service")
	os.Stdout.WriteString(fmt.Sprintf("FIGURE systemd-exposure %.1f score\n", score))
	if score > maxExposure {
		t.Errorf("signet.service exposure is %.1f, above %.1f", score, maxExposure)
	}
}

// TestRelayUnitExposure scores the signet-relay package's unit.
func TestRelayUnitExposure(t *testing.T) {
	score := exposure(t, "../packaging/signet-relay.service")
	os.Stdout.WriteString(fmt.Sprintf("FIGURE systemd-exposure-relay %.1f score\n", score))
	if score > maxRelayExposure {
		t.Errorf("signet-relay.service exposure is %.1f, above %.1f", score, maxRelayExposure)
	}
}

// exposure is "systemd-analyze security"'s overall score of a unit file.
func exposure(t *testing.T, unit string) float64 {
	t.Helper()
	analyze := needTool(t, "systemd-analyze")
	out, err := exec.Command(analyze, "security", "--offline=true", "--no-pager", unit).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security --offline=true %s (needs systemd 252+): %v\n%s", unit, err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure score in:\n%s", out)
	}
	score, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return score
}

// TestUnitDirectives pins the settings the threat model relies on.
func TestUnitDirectives(t *testing.T) {
	d := parseUnit(t, "signet.service")
	want := map[string][]string{
		"User":                  {"signet"},
		"StateDirectory":        {"signet"},
		"RuntimeDirectory":      {"signet"},
		"ProtectSystem":         {"strict"},
		"PrivateNetwork":        {"yes"},
		"CapabilityBoundingSet": {""},
		"NoNewPrivileges":       {"yes"},
		"TTYPath":               {"/dev/tty1"},
		"StandardInput":         {"tty"},
		"DevicePolicy":          {"closed"},
		"DeviceAllow":           {"/dev/tpmrm0 rw", "/dev/tty1 rw"},
		"SystemCallFilter":      {"@system-service", "landlock_create_ruleset landlock_add_rule landlock_restrict_self"},
		"LimitCORE":             {"0"},
		"Conflicts":             {"getty@tty1.service autovt@tty1.service"},
	}
	for k, v := range want {
		if !slices.Equal(d[k], v) {
			t.Errorf("%s = %q, want %q", k, d[k], v)
		}
	}
	if exec := strings.Join(d["ExecStart"], ""); !regexp.MustCompile(`--console /dev/tty( |$)`).MatchString(exec) {
		t.Errorf("ExecStart %q does not use the unit's TTY (--console /dev/tty)", exec)
	}
}

// parseUnit reads KEY=VALUE lines of a unit file, all sections together.
func parseUnit(t *testing.T, name string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	d := map[string][]string{}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s:%d: not KEY=VALUE: %q", name, n+1, line)
		}
		d[k] = append(d[k], v)
	}
	return d
}
