package main

import (
	"os/exec"
	"strings"
	"testing"
)

// signet-relay only forwards requests: it must not carry the box's
// workflow, key devices or QR encoder. It talks to the box through the
// api package alone.
func TestRelayLinksNoBoxCode(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const mod = "github.com/signetbox/signet/"
	banned := []string{"signer", "hsm", "internal/qr"}
	for _, dep := range strings.Fields(string(out)) {
		for _, b := range banned {
			if dep == mod+b || strings.HasPrefix(dep, mod+b+"/") {
				t.Errorf("signet-relay links %s; it must reach the box through package api only", dep)
			}
		}
	}
}
