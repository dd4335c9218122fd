package tka

// Differential fuzz targets: every input goes to this package and to
// tailscale.com/tka, which must agree; neither may panic. Seeds come from
// the vectors and generators here and from testdata/fuzz/<FuzzName>/.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"testing"

	ts "tailscale.com/tka"
)

func FuzzAUMDecode(f *testing.F) {
	for _, v := range aumVectors() {
		f.Add(v.want)
	}
	for _, c := range mfAUMCases() {
		if len(c.in) < 4096 {
			f.Add(c.in)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ours, ourErr := DecodeAUM(b)
		var theirs ts.AUM
		theirErr := theirs.Unserialize(b)
		if (ourErr == nil) != (theirErr == nil) {
			t.Fatalf("decode verdicts differ on %x:\n ours: %v\ntheirs: %v", b, ourErr, theirErr)
		}
		if ourErr != nil {
			return
		}
		enc := ours.Serialize()
		if tb := theirs.Serialize(); !bytes.Equal(enc, tb) {
			t.Fatalf("re-encodings differ for %x:\n ours %x\ntheirs %x", b, enc, tb)
		}
		if ours.Hash() != AUMHash(theirs.Hash()) || ours.SigHash() != SigHash(theirs.SigHash()) {
			t.Fatalf("hashes differ for %x", b)
		}
		vErr, tvErr := ours.Validate(), theirs.StaticValidate()
		if (vErr == nil) != (tvErr == nil) {
			t.Fatalf("validation differs for %x:\n ours: %v\ntheirs: %v", b, vErr, tvErr)
		}
		again, err := DecodeAUM(enc)
		if err != nil {
			t.Fatalf("our own encoding %x does not decode: %v", enc, err)
		}
		if e2 := again.Serialize(); !bytes.Equal(e2, enc) {
			t.Fatalf("encoding is not stable:\n first %x\nsecond %x", enc, e2)
		}
		// The verdict may change across a round trip (an empty Meta map or
		// KeyID is dropped), but both must see the same change.
		var theirsAgain ts.AUM
		if err := theirsAgain.Unserialize(enc); err != nil {
			t.Fatalf("tailscale.com cannot decode %x: %v", enc, err)
		}
		if (again.Validate() == nil) != (theirsAgain.StaticValidate() == nil) {
			t.Fatalf("validation of the re-encoding %x differs: ours %v, theirs %v", enc, again.Validate(), theirsAgain.StaticValidate())
		}
	})
}

func FuzzNodeKeySignatureDecode(f *testing.F) {
	for _, v := range nksVectors() {
		f.Add(v.want)
	}
	for _, c := range mfNKSCases() {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ours, ourErr := DecodeNodeKeySignature(b)
		var theirs ts.NodeKeySignature
		theirErr := theirs.Unserialize(b)
		if (ourErr == nil) != (theirErr == nil) {
			t.Fatalf("decode verdicts differ on %x:\n ours: %v\ntheirs: %v", b, ourErr, theirErr)
		}
		if ourErr != nil {
			return
		}
		enc := ours.Serialize()
		if tb := theirs.Serialize(); !bytes.Equal(enc, tb) {
			t.Fatalf("re-encodings differ for %x:\n ours %x\ntheirs %x", b, enc, tb)
		}
		if ours.SigHash() != SigHash(theirs.SigHash()) {
			t.Fatalf("sig hashes differ for %x", b)
		}
		id, err := ours.AuthorizingKeyID()
		tid, terr := theirs.UnverifiedAuthorizingKeyID()
		if (err == nil) != (terr == nil) || !bytes.Equal(id, tid) {
			t.Fatalf("authorizing key IDs differ for %x: ours %x (%v), theirs %x (%v)", b, id, err, tid, terr)
		}
		pub, ok := ours.WrappingPublic()
		tpub, tok := theirs.UnverifiedWrappingPublic()
		if ok != tok || !bytes.Equal(pub, tpub) {
			t.Fatalf("wrapping keys differ for %x: ours %x %v, theirs %x %v", b, pub, ok, tpub, tok)
		}
		again, err := DecodeNodeKeySignature(enc)
		if err != nil {
			t.Fatalf("our own encoding %x does not decode: %v", enc, err)
		}
		if e2 := again.Serialize(); !bytes.Equal(e2, enc) {
			t.Fatalf("encoding is not stable:\n first %x\nsecond %x", enc, e2)
		}
	})
}

// FuzzChainApply grows a chain from seed and informs both implementations
// in batches the choice bytes shape: the first byte sets the share of
// broken AUMs, each further byte one batch (low 3 bits: size - 1; bit 7:
// replay an old AUM first; bit 6: on refusal, retry the batch one by one).
func FuzzChainApply(f *testing.F) {
	f.Add(uint64(1), []byte{20, 3, 0x45, 7, 0x82, 1})
	f.Add(uint64(2), []byte{0, 7, 7, 7, 7})
	f.Add(uint64(3), []byte{60, 0xc1, 0x42, 0x83, 0x44})
	f.Add(uint64(99), []byte{127, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, seed uint64, choices []byte) {
		if len(choices) == 0 {
			return
		}
		const maxBatches = 10
		if len(choices) > maxBatches+1 {
			choices = choices[:maxBatches+1]
		}
		g := newChainGen(seed, float64(choices[0]&0x7f)/254)
		both := bootstrapBoth(t, g.genesis)
		for _, c := range choices[1:] {
			n := 1 + int(c&7)
			var batch []*AUM
			for range n {
				batch = append(batch, g.next())
			}
			if c&0x80 != 0 && len(g.aums) > n {
				batch = append([]*AUM{g.aums[int(c>>3&0x0f)%(len(g.aums)-n)]}, batch...)
			}
			if both.inform(t, batch) != nil && c&0x40 != 0 {
				for _, u := range batch {
					both.inform(t, []*AUM{u})
				}
			}
		}
		checkReopen(t, both)
		if choices[0]&0x80 != 0 {
			checkNodeKeys(t, g, both)
		}
	})
}

// FuzzNodeKeyAuthorized asks a fixed authority about arbitrary signature
// bytes and node keys: the single verdict must be tailscale.com's, and the
// bulk verdict the single one, even beside a valid signature in the batch.
func FuzzNodeKeyAuthorized(f *testing.F) {
	g := newChainGen(7, 0)
	both := bootstrapBoth(f, g.genesis)
	for range 3 {
		both.inform(f, []*AUM{g.next()})
	}
	for range 24 {
		nk, sig := randNodeKeySig(g)
		f.Add(sig, nk[:])
	}
	trusted := both.ours.Keys()[0]
	signer := testSigner{g.keys[string(trusted.Public)]}
	var goodNK NodeKey
	goodNK[0] = 0x42
	good, err := SignNodeKey(context.Background(), signer, goodNK, ed25519.PublicKey(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		f.Fatal(err)
	}
	goodSig := good.Serialize()
	f.Fuzz(func(t *testing.T, sig []byte, nodeKey []byte) {
		var nk NodeKey
		copy(nk[:], nodeKey)
		ourErr := both.ours.NodeKeyAuthorized(nk, sig)
		theirErr := both.theirs.nodeKeyAuthorized(nk, sig)
		if (ourErr == nil) != (theirErr == nil) {
			t.Fatalf("verdicts differ on %x for %v:\n ours: %v\ntheirs: %v", sig, nk, ourErr, theirErr)
		}
		bulk := both.ours.NodeKeysAuthorized([]NodeKeyCheck{
			{NodeKey: goodNK, Signature: goodSig},
			{NodeKey: nk, Signature: sig},
			{NodeKey: goodNK, Signature: goodSig},
		})
		if bulk[0] != nil || bulk[2] != nil {
			t.Fatalf("a valid signature beside %x is refused in bulk: %v, %v", sig, bulk[0], bulk[2])
		}
		if (bulk[1] == nil) != (ourErr == nil) {
			t.Fatalf("bulk verdict %v, single %v, for %x", bulk[1], ourErr, sig)
		}
	})
}
