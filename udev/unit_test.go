package udev

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// maxExposure is the highest "systemd-analyze security" score the unit
// may have (0 is fully locked down, 10 is a unit with no sandboxing).
const maxExposure = 1.0

// needTool returns the path of a tool, skipping outside CI when it is
// missing; in CI (scripts/deps.sh installs it) a missing tool fails.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "true" {
		t.Skipf("%s is not installed (run 'make deps'): %v", name, err)
	}
	t.Fatalf("%s is not installed; scripts/deps.sh should have installed it: %v", name, err)
	return ""
}

var exposureRE = regexp.MustCompile(`Overall exposure level for signet\.service: ([0-9.]+)`)

// TestUnitExposure scores image/signet.service offline and fails above
// maxExposure.
func TestUnitExposure(t *testing.T) {
	analyze := needTool(t, "systemd-analyze")
	out, err := exec.Command(analyze, "security", "--offline=true", "--no-pager", "../image/signet.service").CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security --offline=true (needs systemd 252+): %v\n%s", err, out)
	}
	m := exposureRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure score in:\n%s", out)
	}
	score, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("FIGURE systemd-exposure " + string(m[1]) + " score\n")
	if score > maxExposure {
		t.Errorf("signet.service exposure is %.1f, above %.1f:\n%s", score, maxExposure, out)
	}
}

// TestUnitCopiesMatch checks that udev/ and image/ ship the same unit and
// drop-in.
func TestUnitCopiesMatch(t *testing.T) {
	for _, name := range []string{"signet.service", "signet-wireguard.conf"} {
		a, errA := os.ReadFile(name)
		b, errB := os.ReadFile("../image/" + name)
		if errA != nil || errB != nil {
			t.Fatalf("reading %s: %v %v", name, errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("udev/%s and image/%s differ; copy one onto the other", name, name)
		}
	}
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
