package lockstatus

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/lockstatus/statusgen"
	"github.com/signetbox/signet/tka"
)

// TestJSONRoundTrip prints a status with tailscale.com's own printer and
// checks every signature is rebuilt byte for byte.
func TestJSONRoundTrip(t *testing.T) {
	ctx := context.Background()
	signer := chaingen.NewKey(1)
	other := chaingen.NewKey(2)
	rot := chaingen.NewKey(3)
	direct, err := tka.SignNodeKey(ctx, signer, tka.NodeKey{1}, rot.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := tka.SignCredential(ctx, other, rot.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	rotation, err := tka.SignRotation(rot.Priv, cred, tka.NodeKey{2})
	if err != nil {
		t.Fatal(err)
	}
	spec := statusgen.Spec{
		StateID:     0xfedcba9876543210,
		TrustedKeys: [][]byte{signer.PublicKey(), other.PublicKey()},
		Self:        statusgen.Node{NodeKey: [32]byte{9}, Signature: direct.Serialize()},
		Visible: []statusgen.Node{
			{NodeKey: [32]byte{1}, Name: "a.example.ts.net.", Signature: direct.Serialize()},
			{NodeKey: [32]byte{2}, Name: "b.example.ts.net.", Signature: rotation.Serialize()},
		},
		Filtered: []statusgen.Node{{NodeKey: [32]byte{3}, Name: "locked.example.ts.net."}},
	}
	data, err := statusgen.JSON(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if st.StateID != spec.StateID {
		t.Fatalf("state ID %d, want %d (a uint64 must survive JSON)", st.StateID, spec.StateID)
	}
	nodes, err := st.SignedNodes()
	if err != nil {
		t.Fatal(err)
	}
	// The self node (key 9) and node 1 share a signature but not a node key.
	if len(nodes) != 3 {
		t.Fatalf("got %d signed nodes, want 3", len(nodes))
	}
	want := map[tka.NodeKey]struct {
		raw   []byte
		authz ed25519.PublicKey
	}{
		{9}: {direct.Serialize(), signer.PublicKey()},
		{1}: {direct.Serialize(), signer.PublicKey()},
		{2}: {rotation.Serialize(), other.PublicKey()},
	}
	for _, n := range nodes {
		w := want[n.NodeKey]
		if !bytes.Equal(n.Signature, w.raw) {
			t.Errorf("node %s: rebuilt signature differs from the original", n.NodeKey)
		}
		if !bytes.Equal(n.Authorizing, w.authz) {
			t.Errorf("node %s: authorizing key %x, want %x", n.NodeKey, n.Authorizing, w.authz)
		}
	}
	locked, err := st.LockedOut()
	if err != nil || len(locked) != 1 || locked[0].NodeKey != (tka.NodeKey{3}).String() || locked[0].DNSName != "locked.example.ts.net." {
		t.Fatalf("locked out: %v %+v", err, locked)
	}
	if err := CheckStateID(st.StateID, 7); !errors.Is(err, ErrOtherAuthority) {
		t.Fatalf("another state ID must be refused, got %v", err)
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"SchemaVersion":"2","Enabled":true,"State":1}`, `schema version "2"`},
		{`{"SchemaVersion":"1","Enabled":false}`, "not enabled"},
		{`{"SchemaVersion":"1","Enabled":true}`, "carries no State"},
		{`[1,2]`, "reading the lock status JSON"},
	} {
		if _, err := ParseJSON([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseJSON(%s) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
	bad := &Signature{SigKind: "direct", KeyID: "nodekey:00", Signature: ""}
	if _, err := bad.Raw(); err == nil || !strings.Contains(err.Error(), "does not start with") {
		t.Errorf("a KeyID without tlpub: must be refused, got %v", err)
	}
}

// lockedOutText is what `tailscale lock status` prints on a locked-out
// node (cmd/tailscale/cli/tailnet-lock.go).
const lockedOutText = `Tailnet Lock is ENABLED.

This node is LOCKED OUT by Tailnet Lock, and action is required to establish connectivity.
Run the following command on a node with a trusted key:
	tailscale lock sign nodekey:0100000000000000000000000000000000000000000000000000000000000000 tlpub:0200000000000000000000000000000000000000000000000000000000000000

This node's tailnet-lock key: tlpub:0200000000000000000000000000000000000000000000000000000000000000

Trusted signing keys:
	tlpub:0300000000000000000000000000000000000000000000000000000000000000	1	
`

func TestParseText(t *testing.T) {
	l, err := ParseText(lockedOutText)
	if err != nil {
		t.Fatal(err)
	}
	if l.NodeKey != (tka.NodeKey{1}).String() || !strings.HasPrefix(l.TLPub, "tlpub:02") {
		t.Fatalf("got %+v", l)
	}
	for _, tc := range []struct{ in, want string }{
		{"Tailnet Lock is ENABLED.\n\nThis node is accessible under Tailnet Lock. Node signature:\n", "already signed"},
		{"hello", "no 'tailscale lock sign"},
		{"{}", "JSON status"},
		{"\ttailscale lock sign nodekey:zz\n", "the lock sign line"},
		{lockedOutText + lockedOutText, "2 'tailscale lock sign' lines"},
	} {
		if _, err := ParseText(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseText(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}
