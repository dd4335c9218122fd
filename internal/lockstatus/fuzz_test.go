package lockstatus

// Differential fuzz targets for `tailscale lock status` as users paste
// it: the text (what sign --from-status reads) and the JSON (what
// approve, rotate, revoke-device and review read). Keys and signatures
// taken out of either must be the ones tailscale.com reads there.

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"go4.org/mem"

	tstka "tailscale.com/tka"
	"tailscale.com/types/key"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/lockstatus/statusgen"
	"github.com/signetbox/signet/tka"
)

// addRealSeeds adds the captured outputs whose names match pattern.
func addRealSeeds(f *testing.F, pattern string, add func([]byte)) {
	files, _ := filepath.Glob(filepath.Join("testdata", "real", "v*", pattern))
	if len(files) == 0 {
		f.Fatalf("no captures match %s", pattern)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// FuzzStatusText: whatever sign line signet finds in a text status,
// tailscale.com parses its node key and tailnet-lock key to the same
// keys.
func FuzzStatusText(f *testing.F) {
	addRealSeeds(f, "*.txt", func(b []byte) { f.Add(string(b)) })
	f.Add(lockedOutText)
	f.Fuzz(func(t *testing.T, text string) {
		l, err := ParseText(text)
		if err != nil {
			return
		}
		ours, _ := tka.ParseNodeKey(l.NodeKey)
		var nk key.NodePublic
		if err := nk.UnmarshalText([]byte(l.NodeKey)); err != nil || tka.NodeKey(nk.Raw32()) != ours {
			t.Fatalf("sign line node key %q: tailscale.com reads %v (%v), we %v", l.NodeKey, nk, err, ours)
		}
		if l.TLPub == "" {
			return
		}
		pub, _ := tka.ParseTLPub(l.TLPub)
		var nl key.NLPublic
		if err := nl.UnmarshalText([]byte(l.TLPub)); err != nil || !bytes.Equal(nl.Verifier(), pub) {
			t.Fatalf("sign line key %q: tailscale.com reads %x (%v), we %x", l.TLPub, nl.Verifier(), err, pub)
		}
	})
}

// FuzzStatusJSON: arbitrary status JSON. Every signature signet rebuilds
// from it is one tailscale.com decodes to the same bytes, and names the
// key signet says authorizes it.
func FuzzStatusJSON(f *testing.F) {
	addRealSeeds(f, "*status.json", func(b []byte) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseJSON(data)
		if err != nil {
			return
		}
		nodes, err := st.SignedNodes()
		if err != nil {
			return
		}
		for _, n := range nodes {
			var sig tstka.NodeKeySignature
			if err := sig.Unserialize(n.Signature); err != nil {
				t.Fatalf("%s: tailscale.com cannot decode the rebuilt signature %x: %v", n.NodeKey, n.Signature, err)
			}
			if !bytes.Equal(sig.Serialize(), n.Signature) {
				t.Fatalf("%s: tailscale.com re-encodes %x to %x", n.NodeKey, n.Signature, sig.Serialize())
			}
			id, err := sig.UnverifiedAuthorizingKeyID()
			if err != nil || !bytes.Equal(id, n.Authorizing) {
				t.Fatalf("%s: authorizing key: tailscale.com %x (%v), we %x", n.NodeKey, id, err, n.Authorizing)
			}
		}
		_, _ = st.LockedOut()
		_, _ = ParseSignInput(data)
	})
}

// FuzzStatusJSONPrinted: a status tailscale.com's own printer writes
// for arbitrary signature bytes on its peers, read by signet: every
// signature tailscale.com decodes comes back byte for byte as its
// canonical form, with the peer's node key.
func FuzzStatusJSONPrinted(f *testing.F) {
	signer, rot := chaingen.NewKey(1), chaingen.NewKey(3)
	direct, _ := tka.SignNodeKey(f.Context(), signer, tka.NodeKey{1}, rot.PublicKey())
	cred, _ := tka.SignCredential(f.Context(), signer, rot.PublicKey())
	rotation, _ := tka.SignRotation(rot.Priv, cred, tka.NodeKey{2})
	f.Add(direct.Serialize(), rotation.Serialize(), []byte{7})
	f.Add(cred.Serialize(), []byte{0xa1, 0x01, 0x02}, []byte{9, 9})
	f.Fuzz(func(t *testing.T, sigA, sigB, nodeKeys []byte) {
		var nks [2][32]byte
		copy(nks[0][:], nodeKeys)
		nks[1] = nks[0]
		nks[1][31] ^= 0xff
		spec := statusgen.Spec{StateID: 7, TrustedKeys: [][]byte{signer.PublicKey()}, Self: statusgen.Node{NodeKey: [32]byte{0xee}}}
		for i, sig := range [][]byte{sigA, sigB} {
			var s tstka.NodeKeySignature
			if s.Unserialize(sig) != nil {
				continue // tailscale.com could not have printed it
			}
			spec.Visible = append(spec.Visible, statusgen.Node{NodeKey: nks[i], Name: "n.example.ts.net.", Signature: sig})
		}
		data, err := statusgen.JSON(spec)
		if err != nil {
			t.Fatalf("tailscale.com's printer: %v", err)
		}
		st, err := ParseJSON(data)
		if err != nil {
			t.Fatalf("signet refuses tailscale.com's status JSON: %v\n%s", err, data)
		}
		for i, p := range st.VisiblePeers {
			var s tstka.NodeKeySignature
			s.Unserialize(spec.Visible[i].Signature)
			want := s.Serialize()
			raw, err := p.NodeKeySignature.Raw()
			if _, decErr := tka.DecodeNodeKeySignature(want); decErr != nil || !knownKinds(&s) {
				// Bytes signet's decoder refuses, or a kind the JSON names
				// "invalid" or "Sig?<n>" (it can authorize nothing, and a
				// status lists only verified peers): signet refuses.
				if err == nil {
					t.Fatalf("peer %d: signet takes %x", i, want)
				}
				continue
			}
			if err != nil || !bytes.Equal(raw, want) {
				t.Fatalf("peer %d: rebuilt %x (%v), tailscale.com's %x\n%s", i, raw, err, want, data)
			}
			if p.NodeKey != key.NodePublicFromRaw32(mem.B(spec.Visible[i].NodeKey[:])).String() {
				t.Fatalf("peer %d: node key %s", i, p.NodeKey)
			}
		}
	})
}

// knownKinds reports whether s and every signature it nests are direct,
// rotation or credential signatures.
func knownKinds(s *tstka.NodeKeySignature) bool {
	for ; s != nil; s = s.Nested {
		switch s.SigKind {
		case tstka.SigDirect, tstka.SigRotation, tstka.SigCredential:
		default:
			return false
		}
	}
	return true
}
