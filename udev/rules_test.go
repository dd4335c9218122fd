package udev

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A udev rule: matches (==, !=) and assignments (=, +=, :=), parsed
// strictly: an unknown key or operator fails the test.
type rule struct {
	line    int
	matches []term
	assigns []term
}

type term struct{ key, op, value string }

var termRE = regexp.MustCompile(`^([A-Z_]+(?:\{[A-Za-z0-9_/]+\})?)(==|!=|\+=|:=|=)"([^"]*)"$`)

var matchKeys = []string{"ACTION", "SUBSYSTEM", "KERNEL", "ENV", "ATTR", "ATTRS", "DRIVER"}
var assignKeys = []string{"GROUP", "MODE", "TAG", "ENV"}

func baseKey(k string) string { b, _, _ := strings.Cut(k, "{"); return b }

func parseRules(t *testing.T, name string) []rule {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var rules []rule
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		r := rule{line: n + 1}
		for _, f := range strings.Split(line, ", ") {
			m := termRE.FindStringSubmatch(f)
			if m == nil {
				t.Fatalf("%s:%d: cannot parse %q", name, n+1, f)
			}
			tm := term{m[1], m[2], m[3]}
			isMatch := tm.op == "==" || tm.op == "!="
			keys := assignKeys
			if isMatch {
				keys = matchKeys
			}
			if !slices.Contains(keys, baseKey(tm.key)) {
				t.Fatalf("%s:%d: key %s with %s is not one this file may use", name, n+1, tm.key, tm.op)
			}
			if isMatch {
				r.matches = append(r.matches, tm)
			} else {
				r.assigns = append(r.assigns, tm)
			}
		}
		rules = append(rules, r)
	}
	return rules
}

// device is a uevent as udev sees it: keys such as SUBSYSTEM, KERNEL,
// ENV{DEVTYPE}, ATTR{idVendor}.
type device map[string]string

func (r rule) applies(d device) bool {
	for _, m := range r.matches {
		v := d[m.key]
		if m.key == "ATTRS{idVendor}" {
			v = d["ATTR{idVendor}"]
		}
		ok, err := path.Match(m.value, v)
		if err != nil || ok != (m.op == "==") {
			return false
		}
	}
	return true
}

// assigned returns the assignments every applying rule makes, as
// "KEY op value" strings.
func assigned(rules []rule, d device) []string {
	var out []string
	for _, r := range rules {
		if r.applies(d) {
			for _, a := range r.assigns {
				out = append(out, fmt.Sprintf("%s%s%q", a.key, a.op, a.value))
			}
		}
	}
	return out
}

// TestRules checks what 61-signet.rules does to each device the box may
// see, and that it runs nothing.
func TestRules(t *testing.T) {
	rules := parseRules(t, "61-signet.rules")
	cases := []struct {
		name string
		dev  device
		want []string
	}{
		{"tpmrm0", device{"ACTION": "add", "SUBSYSTEM": "tpmrm", "KERNEL": "tpmrm0"},
			[]string{`GROUP="signet"`, `MODE="0660"`}},
		{"raw tpm0", device{"ACTION": "add", "SUBSYSTEM": "tpm", "KERNEL": "tpm0"}, nil},
		{"YubiKey", device{"ACTION": "add", "SUBSYSTEM": "usb", "ENV{DEVTYPE}": "usb_device", "ATTR{idVendor}": "1050"},
			[]string{`TAG+="systemd"`, `ENV{SYSTEMD_WANTS}+="pcscd.socket"`}},
		{"YubiKey interface", device{"ACTION": "add", "SUBSYSTEM": "usb", "ENV{DEVTYPE}": "usb_interface", "ATTR{idVendor}": "1050"}, nil},
		{"YubiKey hidraw", device{"ACTION": "add", "SUBSYSTEM": "hidraw", "KERNEL": "hidraw0", "ATTR{idVendor}": "1050"}, nil},
		{"other USB token", device{"ACTION": "add", "SUBSYSTEM": "usb", "ENV{DEVTYPE}": "usb_device", "ATTR{idVendor}": "20a0"}, nil},
		{"tty1", device{"ACTION": "add", "SUBSYSTEM": "tty", "KERNEL": "tty1"}, nil},
	}
	for _, c := range cases {
		if got := assigned(rules, c.dev); !slices.Equal(got, c.want) {
			t.Errorf("%s: rules assign %q, want %q", c.name, got, c.want)
		}
	}
	for _, r := range rules {
		for _, a := range r.assigns {
			if a.key == "MODE" && a.value != "0660" && a.value != "0600" {
				t.Errorf("line %d: MODE %s; the rules give no access beyond owner and group", r.line, a.value)
			}
		}
	}
}

// TestRulesUdevadm runs "udevadm verify" (systemd 255+) when this machine
// has it; older udevadm has no rule checker, and TestRules covers them.
func TestRulesUdevadm(t *testing.T) {
	udevadm := needTool(t, "udevadm")
	if err := exec.Command(udevadm, "verify", "--help").Run(); err != nil {
		out, _ := exec.Command(udevadm, "--version").Output()
		t.Logf("udevadm %s has no 'verify' (systemd 255+); TestRules parsed the rules instead", strings.TrimSpace(string(out)))
		return
	}
	out, err := exec.Command(udevadm, "verify", "--resolve-names=never", "61-signet.rules").CombinedOutput()
	if err != nil {
		t.Fatalf("udevadm verify 61-signet.rules: %v\n%s", err, out)
	}
}
