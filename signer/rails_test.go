package signer

import (
	"strings"
	"testing"
)

func TestKeyCountRail(t *testing.T) {
	for n := range MinTrustedKeys {
		if r := KeyCountRail(n); !strings.Contains(r, "fewer than two") || !strings.Contains(r, "keep at least two") {
			t.Errorf("KeyCountRail(%d) = %q", n, r)
		}
	}
	if r := KeyCountRail(MinTrustedKeys); r != "" {
		t.Errorf("KeyCountRail(%d) = %q, want no rail", MinTrustedKeys, r)
	}
}
