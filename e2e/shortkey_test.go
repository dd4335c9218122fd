package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/signer"
)

// checkShortForm checks what the operator compares: the short form of
// nodeKey that the box's console showed under "Compare with the device"
// is the first and the last 12 hex digits of the node key exactly as the
// real `tailscale lock status` printed it on that node (statusText).
func checkShortForm(t *testing.T, b *boxProc, statusText, nodeKey string) {
	t.Helper()
	prefix, digits, _ := strings.Cut(nodeKey, ":")
	if !strings.Contains(statusText, "tailscale lock sign "+nodeKey+" ") {
		t.Fatalf("the real `tailscale lock status` does not print %s in its sign line:\n%s", nodeKey, statusText)
	}
	raw, err := os.ReadFile(b.stream)
	if err != nil {
		t.Fatal(err)
	}
	want := signer.ShortKey(nodeKey)
	if strings.ReplaceAll(want, " ", "") != prefix+":"+digits[:12]+"..."+digits[len(digits)-12:] {
		t.Fatalf("signer.ShortKey(%s) = %q: not the ends of the key", nodeKey, want)
	}
	// Each row is drawn at its place: a cursor move starts a line.
	raw = cursorMoveRE.ReplaceAll(raw, []byte("\n"))
	for _, k := range consolescreen.CompareKeys(consolescreen.Strip(raw)) {
		if k == want {
			t.Logf("the console asked to compare %s; the node's `tailscale lock status` printed %s", k, nodeKey)
			return
		}
	}
	t.Errorf("the console never asked to compare %q (from %s, as the real `tailscale lock status` printed it)", want, nodeKey)
}

// cursorMoveRE matches the cursor moves the console draws its rows with.
var cursorMoveRE = regexp.MustCompile(`\x1b\[[0-9;]*[Hf]`)
