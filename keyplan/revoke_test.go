package keyplan

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/signetbox/signet/tka"
)

func TestRevokedSigner(t *testing.T) {
	got, err := RevokedSigner(status(t), info(), oldNode1)
	if err != nil || !bytes.Equal(oldKey.PublicKey(), got) {
		t.Fatalf("RevokedSigner = %x, %v; want the old key", got, err)
	}
	p, err := Build(RevokeInput(info(), status(t), oldNode1, got, freshTL))
	if err != nil {
		t.Fatal(err)
	}
	if nodeKeys(p.Left) != "["+oldNode1.String()+"]" || nodeKeys(p.Resign) != "["+oldNode0.String()+"]" || len(p.Rails) != 0 {
		t.Fatalf("revocation plan: left %v resign %v rails %q", p.Left, p.Resign, p.Rails)
	}
}

func TestRevokedSignerRefuses(t *testing.T) {
	bad := info()
	bad.Keys = bad.Keys[:1]
	for _, tc := range []struct {
		name string
		nk   tka.NodeKey
		want string
		hint string
	}{
		{"forged", forged, "does not verify under the authority", "take the status again"},
		{"unknown", tka.NodeKey{0x99}, "is not a signed node of the status", "VisiblePeers"},
		{"locked out", locked1, "is not a signed node of the status", "VisiblePeers"},
	} {
		_, err := RevokedSigner(status(t), info(), tc.nk)
		var h interface{ Hints() []string }
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &h) || !strings.Contains(h.Hints()[0], tc.hint) {
			t.Errorf("%s: RevokedSigner = %v", tc.name, err)
		}
	}
	if _, err := RevokedSigner(status(t), bad, oldNode1); err == nil || !strings.Contains(err.Error(), "1 keys and 2 votes") {
		t.Errorf("a daemon status with mismatched votes: %v", err)
	}
}
