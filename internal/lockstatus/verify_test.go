package lockstatus

import (
	"context"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/lockstatus/statusgen"
	"github.com/signetbox/signet/tka"
)

// Only entries whose signatures verify under the authority are kept;
// every forgery is refused with the key it claims and the reason.
func TestVerifiedNodes(t *testing.T) {
	ctx := context.Background()
	trusted, gone := chaingen.NewKey(1), chaingen.NewKey(2)
	sign := func(k chaingen.Key, nk tka.NodeKey) []byte {
		s, err := tka.SignNodeKey(ctx, k, nk, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s.Serialize()
	}
	zeros := (&tka.NodeKeySignature{SigKind: tka.SigDirect, Pubkey: tka.NodeKey{4}.Binary(), KeyID: trusted.PublicKey(), Signature: make([]byte, 64)}).Serialize()
	spec := statusgen.Spec{
		StateID:     7,
		TrustedKeys: [][]byte{trusted.PublicKey()},
		Self:        statusgen.Node{NodeKey: [32]byte{1}, Signature: sign(trusted, tka.NodeKey{1})},
		Visible: []statusgen.Node{
			{NodeKey: [32]byte{5}, Name: "dup.", Signature: zeros}, // a forged first entry for node 5
			{NodeKey: [32]byte{2}, Name: "good.", Signature: sign(trusted, tka.NodeKey{2})},
			{NodeKey: [32]byte{3}, Name: "copied.", Signature: sign(trusted, tka.NodeKey{2})}, // node 2's signature
			{NodeKey: [32]byte{4}, Name: "zeros.", Signature: zeros},
			{NodeKey: [32]byte{6}, Name: "untrusted.", Signature: sign(gone, tka.NodeKey{6})},
			{NodeKey: [32]byte{5}, Name: "dup.", Signature: sign(trusted, tka.NodeKey{5})},
		},
	}
	data, err := statusgen.JSON(spec)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	state := &tka.State{Keys: []tka.Key{tka.NewEd25519Key(trusted.PublicKey(), 1)}}
	ok, refused := st.VerifiedNodes(state)
	var got []string
	for _, n := range ok {
		got = append(got, n.NodeKey.String()[8:10])
	}
	if strings.Join(got, ",") != "01,02,05" {
		t.Fatalf("verified nodes %v, want 01,02,05", got)
	}
	want := []struct{ nk, claimed, reason string }{
		{"05", tka.FormatTLPub(trusted.PublicKey()), "does not authorize this node key"},
		{"03", tka.FormatTLPub(trusted.PublicKey()), "does not authorize this node key"},
		{"04", tka.FormatTLPub(trusted.PublicKey()), "invalid signature"},
		{"06", tka.FormatTLPub(gone.PublicKey()), "not a trusted key"},
	}
	if len(refused) != len(want) {
		t.Fatalf("refused %+v, want %d entries", refused, len(want))
	}
	for i, w := range want {
		r := refused[i]
		if r.NodeKey[8:10] != w.nk || tka.FormatTLPub(r.Claimed) != w.claimed || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("refused[%d] = %s %s %q, want %s %s %q", i, r.NodeKey[8:10], tka.FormatTLPub(r.Claimed), r.Reason, w.nk, w.claimed, w.reason)
		}
	}
}

// A signature the status cannot rebuild is refused, not a failure of
// the whole file.
func TestVerifiedNodesMalformed(t *testing.T) {
	st := &Status{VisiblePeers: []Peer{
		{NodeKey: "nodekey:zz", NodeKeySignature: &Signature{SigKind: "direct"}},
		{NodeKey: tka.NodeKey{1}.String(), NodeKeySignature: &Signature{SigKind: "wat"}},
	}}
	ok, refused := st.VerifiedNodes(&tka.State{})
	if len(ok) != 0 || len(refused) != 2 || refused[1].Claimed != nil {
		t.Fatalf("ok %v, refused %+v", ok, refused)
	}
}
