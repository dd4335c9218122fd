package keyplan

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/lockstatus"
	"github.com/signetbox/signet/internal/lockstatus/statusgen"
	"github.com/signetbox/signet/tka"
)

// Keys of the fixture authority: the box's key (2 votes) and an old key
// held elsewhere; fresh is trusted by nobody yet.
var (
	boxKey   = chaingen.NewKey(1)
	oldKey   = chaingen.NewKey(2)
	freshKey = chaingen.NewKey(3)
	rotKey   = chaingen.NewKey(4)
)

const stateID = 4711

var (
	boxTL   = tka.FormatTLPub(boxKey.PublicKey())
	oldTL   = tka.FormatTLPub(oldKey.PublicKey())
	freshTL = tka.FormatTLPub(freshKey.PublicKey())
)

// info is the daemon's status for the fixture authority.
func info() *api.StatusInfo {
	return &api.StatusInfo{Keys: []string{boxTL, oldTL}, Votes: []uint{2, 1}, BoxKey: boxTL, BoxKeyTrusted: true, StateID: stateID}
}

// Node keys of the fixture status.
var (
	oldNode0 = tka.NodeKey{0xa0, 0} // signed by oldKey, with a rotation key
	oldNode1 = tka.NodeKey{0xa0, 1} // signed by oldKey
	boxNode  = tka.NodeKey{0xb0}    // signed by boxKey
	forged   = tka.NodeKey{0xf0}    // claims oldKey, signature does not verify
	locked1  = tka.NodeKey{0xc0, 1} // locked out: exit-1
	locked2  = tka.NodeKey{0xc0, 2} // locked out: laptop
)

func signed(t *testing.T, by chaingen.Key, nk tka.NodeKey, rot *chaingen.Key) []byte {
	t.Helper()
	var pub []byte
	if rot != nil {
		pub = rot.PublicKey()
	}
	sig, err := tka.SignNodeKey(context.Background(), by, nk, pub)
	if err != nil {
		t.Fatal(err)
	}
	return sig.Serialize()
}

// status is the fixture 'tailscale lock status --json', parsed.
func status(t *testing.T) *lockstatus.Status {
	t.Helper()
	bad := &tka.NodeKeySignature{SigKind: tka.SigDirect, Pubkey: forged.Binary(), KeyID: oldKey.PublicKey(), Signature: make([]byte, 64)}
	spec := statusgen.Spec{StateID: stateID, TrustedKeys: [][]byte{boxKey.PublicKey(), oldKey.PublicKey()}, Votes: []uint{2, 1},
		Self: statusgen.Node{NodeKey: boxNode, Signature: signed(t, boxKey, boxNode, nil)},
		Visible: []statusgen.Node{
			{NodeKey: oldNode0, Name: "old-0.example.ts.net.", Signature: signed(t, oldKey, oldNode0, &rotKey)},
			{NodeKey: oldNode1, Name: "old-1.example.ts.net.", Signature: signed(t, oldKey, oldNode1, nil)},
			{NodeKey: forged, Name: "forged\x1b[2J.", Signature: bad.Serialize()},
		},
		Filtered: []statusgen.Node{{NodeKey: locked1, Name: "exit-1.example.ts.net."}, {NodeKey: locked2, Name: "laptop.example.ts.net."}},
	}
	data, err := statusgen.JSON(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := lockstatus.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func nodeKeys(nodes []lockstatus.Node) string {
	var s []string
	for _, n := range nodes {
		s = append(s, n.NodeKey.String())
	}
	return fmt.Sprint(s)
}

func ed25519Pub(b []byte) ed25519.PublicKey { return ed25519.PublicKey(b) }

func errorsAs(err error, target any) bool { return errors.As(err, target) }
