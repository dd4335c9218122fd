package tka

// Rules on which older tailscale.com releases accept what signet (and the
// newer releases) refuse. The matrix asserts each: the probe shows the
// difference on every release before fixedIn and none from it on, and the
// suite tolerates it only there. signet follows the newer rule: its
// output never depends on the older leniency, so every release accepts
// it (see "signet's output" in suiteParts and docs/interop.md).

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

type releaseDiff struct {
	id      string
	fixedIn string // the first release that refuses as signet does
	ours    string // part of signet's error for it
	// probe reports whether th accepts the input signet refuses.
	probe func(t *testing.T, th theirTKA) (theirsAccepts bool)
}

var releaseDiffs = []releaseDiff{
	{
		// fxamacker/cbor before v2.5 ignored bytes after the first data
		// item; tailscale.com v1.46 used v2.4.0.
		id: "trailing bytes after an AUM or signature", fixedIn: "v1.60.1", ours: "extraneous data",
		probe: func(t *testing.T, th theirTKA) bool {
			aum := th.decodeAUM(mfHex("a2 0103 02", mfHash, "00")).err == nil
			nks := th.decodeNKS(mfHex(mfNestedRotations(1), "00")).err == nil
			if aum != nks {
				t.Errorf("trailing bytes: AUM accepted %v, signature accepted %v", aum, nks)
			}
			return aum
		},
	},
	{
		// tailscale.com v1.86 added "cannot remove the last key in the
		// state" to AUM verification.
		id: "an AUM removing the last trusted key", fixedIn: "v1.86.2", ours: "cannot remove the last trusted key",
		probe: func(t *testing.T, th theirTKA) bool {
			r := rand.New(rand.NewPCG(41, 42))
			genesis, signers := vecGenesis(t, r, 1)
			theirs, err := th.bootstrap(genesis)
			if err != nil {
				t.Fatal(err)
			}
			u := &AUM{MessageKind: AUMRemoveKey, KeyID: KeyID(signers[0].PublicKey())}
			h := genesis.Hash()
			u.PrevAUMHash = h[:]
			sh := u.SigHash()
			u.Signatures = []Signature{{KeyID: KeyID(signers[0].PublicKey()), Signature: ed25519.Sign(signers[0].priv, sh[:])}}
			ours, err := Bootstrap(NewMemStore(), genesis)
			if err != nil {
				t.Fatal(err)
			}
			if err := ours.Inform(NewMemStore(), []*AUM{u}); err == nil || !strings.Contains(err.Error(), "cannot remove the last trusted key") {
				t.Errorf("signet must refuse removing the last key, got %v", err)
			}
			return theirs.inform([]*AUM{u}) == nil
		},
	},
}

// knownDiff returns the difference that explains theirs accepting what
// ours refused, if th is a release before the difference was fixed.
func knownDiff(th theirTKA, ourErr, theirErr error) *releaseDiff {
	if _, isPinned := th.(inProc); isPinned || ourErr == nil || theirErr != nil {
		return nil
	}
	for i, d := range releaseDiffs {
		if versionLess(th.name(), d.fixedIn) && strings.Contains(ourErr.Error(), d.ours) {
			if c, ok := th.(interface{ count(string) }); ok {
				c.count(d.id)
			}
			return &releaseDiffs[i]
		}
	}
	return nil
}

// testReleaseDiffs probes every known difference on th.
func testReleaseDiffs(t *testing.T, th theirTKA) int {
	for _, d := range releaseDiffs {
		want := versionLess(th.name(), d.fixedIn)
		if got := d.probe(t, th); got != want {
			t.Errorf("%s: %s accepts it: %v, want %v (fixed in %s)", d.id, th.name(), got, want, d.fixedIn)
		}
	}
	return len(releaseDiffs)
}

// versionLess compares release versions vMAJOR.MINOR.PATCH.
func versionLess(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return false
}

func versionParts(v string) [3]int {
	var out [3]int
	for i, f := range strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3) {
		n, err := strconv.Atoi(f)
		if err != nil {
			panic(fmt.Sprintf("bad release version %q", v))
		}
		out[i] = n
	}
	return out
}

// testOurOutputAccepted: everything signet makes is accepted by th. A
// chain of every AUM kind from signet's Builder, a recovery AUM from
// RecoveryAUM and CoSign, and node-key signatures of every kind.
func testOurOutputAccepted(t *testing.T, th theirTKA) int {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(43, 44))
	genesis, signers := vecGenesis(t, r, 2, 1, 1)
	both := bootstrapWith(t, th, genesis)
	a, b, x := signers[0], signers[1], signers[2]
	added := testSigner{newTestKey(r)}
	bld := both.ours.NewBuilder(a)
	k := NewEd25519Key(added.PublicKey(), 1)
	k.Meta = map[string]string{"purpose": "signet test", "é": strings.Repeat("m", 100)}
	steps := []func() error{
		func() error { return bld.AddKey(ctx, k) },
		func() error { return bld.SetKeyVotes(ctx, KeyID(added.PublicKey()), 3) },
		func() error { return bld.SetKeyMeta(ctx, KeyID(b.PublicKey()), map[string]string{"box": "2"}) },
		func() error { return bld.NoOp(ctx) },
		func() error { return bld.Checkpoint(ctx) },
		func() error { return bld.RemoveKey(ctx, KeyID(added.PublicKey())) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("builder step %d: %v", i, err)
		}
	}
	updates, err := bld.Finalize(ctx, both.ourStore)
	if err != nil {
		t.Fatal(err)
	}
	if err := both.inform(t, updates); err != nil {
		t.Fatalf("signet's own AUMs are refused: %v", err)
	}
	if both.ours.Head() != updates[len(updates)-1].Hash() {
		t.Fatalf("the head is not the last AUM signet made")
	}
	n := len(updates)

	// x is compromised and adds a key; a and b co-sign a recovery.
	evil := testSigner{newTestKey(r)}
	bx := both.ours.NewBuilder(x)
	if err := bx.AddKey(ctx, NewEd25519Key(evil.PublicKey(), 1)); err != nil {
		t.Fatal(err)
	}
	compromise, err := bx.Finalize(ctx, both.ourStore)
	if err != nil {
		t.Fatal(err)
	}
	if err := both.inform(t, compromise); err != nil {
		t.Fatal(err)
	}
	rec, err := both.ours.RecoveryAUM(both.ourStore, []KeyID{KeyID(x.PublicKey()), KeyID(evil.PublicKey())}, KeyID(a.PublicKey()), AUMHash{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []testSigner{a, b} {
		if err := both.ours.CoSign(ctx, both.ourStore, rec, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := both.inform(t, []*AUM{rec}); err != nil {
		t.Fatalf("%s refuses signet's recovery AUM: %v", th.name(), err)
	}
	if both.theirs.head() != rec.Hash() || both.theirs.keyTrusted(KeyID(evil.PublicKey())) {
		t.Fatalf("%s did not take the recovery: head %v", th.name(), both.theirs.head())
	}
	n++

	// Node-key signatures of every kind signet makes.
	rot := testSigner{newTestKey(r)}
	nk := NodeKey(randBytes(r, 32))
	direct, _ := SignNodeKey(ctx, a, nk, nil)
	withRot, _ := SignNodeKey(ctx, b, nk, rot.PublicKey())
	cred, _ := SignCredential(ctx, a, rot.PublicKey())
	byCred, _ := SignRotation(rot.priv, cred, nk)
	rotated, _ := SignRotation(rot.priv, withRot, nk)
	for i, sig := range []*NodeKeySignature{direct, withRot, byCred, rotated} {
		if err := both.theirs.nodeKeyAuthorized(nk, sig.Serialize()); err != nil {
			t.Errorf("%s refuses signet's node-key signature %d (%v): %v", th.name(), i, sig.SigKind, err)
		}
		n++
	}
	return n
}
