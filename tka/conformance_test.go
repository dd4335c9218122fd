package tka

// Conformance with tailscale.com/tka (pinned in go.mod, linked only into
// tests): the same bytes, hashes and verdicts for the same inputs.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRoundTripFromTailscale: whatever tailscale.com serializes, we decode
// and re-encode to the same bytes, hash and signing hash.
func TestRoundTripFromTailscale(t *testing.T) { testRoundTripFrom(t, pinned, 3000) }

func testRoundTripFrom(t *testing.T, th theirTKA, n int) int {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		ours := randWireAUM(r)
		theirs := th.decodeAUM(ours.Serialize())
		if theirs.err != nil {
			t.Fatalf("case %d: tailscale.com refuses our encoding: %v", i, theirs.err)
		}
		got, err := DecodeAUM(theirs.enc)
		if err != nil {
			t.Fatalf("case %d: decoding tailscale.com's bytes: %v", i, err)
		}
		if gb := got.Serialize(); !bytes.Equal(gb, theirs.enc) {
			t.Fatalf("case %d: re-encoding differs\n ours %x\ntheirs %x", i, gb, theirs.enc)
		}
		if got.Hash() != theirs.hash {
			t.Fatalf("case %d: hash differs", i)
		}
		if got.SigHash() != theirs.sigHash {
			t.Fatalf("case %d: sig hash differs", i)
		}
		if (got.Validate() == nil) != (theirs.invalid == nil) {
			t.Fatalf("case %d: validation differs: ours %v, theirs %v", i, got.Validate(), theirs.invalid)
		}
	}
	return n
}

// TestEncodingMatchesTailscale: our encoder writes what fxamacker's CTAP2
// mode writes for the same value (tailscale.com re-encodes our bytes to
// the same bytes), for AUMs and node-key signatures.
func TestEncodingMatchesTailscale(t *testing.T) { testEncodingMatches(t, pinned, 3000) }

func testEncodingMatches(t *testing.T, th theirTKA, n int) int {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		u := randWireAUM(r)
		b := u.Serialize()
		theirs := th.decodeAUM(b)
		if theirs.err != nil {
			t.Fatalf("case %d: %v", i, theirs.err)
		}
		if !bytes.Equal(b, theirs.enc) {
			t.Fatalf("case %d: encoding differs\n ours %x\ntheirs %x", i, b, theirs.enc)
		}
		s := randWireNKS(r, r.IntN(6))
		sb := s.Serialize()
		tsig := th.decodeNKS(sb)
		if tsig.err != nil {
			t.Fatalf("case %d: nks: %v", i, tsig.err)
		}
		if !bytes.Equal(sb, tsig.enc) {
			t.Fatalf("case %d: nks encoding differs\n ours %x\ntheirs %x", i, sb, tsig.enc)
		}
		if s.SigHash() != tsig.sigHash {
			t.Fatalf("case %d: nks sig hash differs", i)
		}
	}
	return 2 * n
}

// authorities runs the same informs on both implementations.
type authorities struct {
	ours     *Authority
	ourStore *MemStore
	theirs   theirAuthority
	th       theirTKA
	genesis  *AUM
	accepted []*AUM // every update ours took, in order
	// parted counts the times theirs accepted an update we refuse by a
	// known difference of an older release (theirs is then rebuilt from
	// what ours accepted, so the chains agree again).
	parted int
}

// bootstrapBoth starts our authority and the pinned tailscale.com's.
func bootstrapBoth(t testing.TB, genesis *AUM) *authorities { return bootstrapWith(t, pinned, genesis) }

func bootstrapWith(t testing.TB, th theirTKA, genesis *AUM) *authorities {
	t.Helper()
	both := &authorities{ourStore: NewMemStore(), th: th, genesis: genesis}
	var err error
	if both.ours, err = Bootstrap(both.ourStore, genesis); err != nil {
		t.Fatalf("our bootstrap: %v", err)
	}
	if both.theirs, err = th.bootstrap(genesis); err != nil {
		t.Fatalf("their bootstrap: %v", err)
	}
	return both
}

// inform applies updates to both and fails the test if the verdicts,
// heads or states differ.
func (b *authorities) inform(t testing.TB, updates []*AUM) error {
	t.Helper()
	ourErr := b.ours.Inform(b.ourStore, updates)
	theirErr := b.theirs.inform(updates)
	if ourErr == nil {
		for _, u := range updates {
			if !slices.ContainsFunc(b.accepted, func(a *AUM) bool { return a.Hash() == u.Hash() }) {
				b.accepted = append(b.accepted, u)
			}
		}
	}
	if (ourErr == nil) != (theirErr == nil) {
		if knownDiff(b.th, ourErr, theirErr) != nil {
			b.rebuildTheirs(t)
			return ourErr
		}
		t.Fatalf("verdicts differ on %d updates:\n ours: %v\ntheirs: %v", len(updates), ourErr, theirErr)
	}
	b.compare(t)
	return ourErr
}

// rebuildTheirs starts theirs again from genesis and the updates ours
// accepted, after theirs took one more that ours refused.
func (b *authorities) rebuildTheirs(t testing.TB) {
	t.Helper()
	b.parted++
	var err error
	if b.theirs, err = b.th.bootstrap(b.genesis); err != nil {
		t.Fatalf("rebuilding theirs: %v", err)
	}
	if len(b.accepted) > 0 {
		if err := b.theirs.inform(b.accepted); err != nil {
			t.Fatalf("rebuilding theirs from the %d updates ours accepted: %v", len(b.accepted), err)
		}
	}
	b.compare(t)
}

func (b *authorities) compare(t testing.TB) {
	t.Helper()
	if b.ours.Head() != b.theirs.head() {
		t.Fatalf("heads differ: ours %v, theirs %v", b.ours.Head(), b.theirs.head())
	}
	id1, id2 := b.ours.StateIDs()
	t1, t2 := b.theirs.stateIDs()
	if id1 != t1 || id2 != t2 {
		t.Fatalf("state IDs differ")
	}
	ok, tk := b.ours.Keys(), b.theirs.keys()
	if len(ok) != len(tk) {
		t.Fatalf("key counts differ: ours %d, theirs %d", len(ok), len(tk))
	}
	for i := range ok {
		if !bytes.Equal(ok[i].Public, tk[i].Public) || ok[i].Votes != tk[i].Votes ||
			fmt.Sprint(ok[i].Meta) != fmt.Sprint(tk[i].Meta) || uint8(ok[i].Kind) != uint8(tk[i].Kind) {
			t.Fatalf("key %d differs: ours %+v, theirs %+v", i, ok[i], tk[i])
		}
	}
}

// TestChainVerdictsMatchTailscale grows random trees of AUMs, with forks,
// competing branches, checkpoints, key updates and broken AUMs, and feeds
// them to both implementations in random batches. Under -short and under
// -race it runs the first 60 trees: neither implementation starts a
// goroutine, so the race detector finds nothing more in the other 240,
// and make sweeps (part of make test) runs all 300 without it.
func TestChainVerdictsMatchTailscale(t *testing.T) {
	rounds := 300
	if testing.Short() || raceEnabled {
		rounds = 60
	}
	testChainVerdicts(t, pinned, rounds)
}

func testChainVerdicts(t *testing.T, th theirTKA, rounds int) int {
	var accepted, refused, parted int
	for seed := range uint64(rounds) {
		g := newChainGen(seed, 0.15)
		both := bootstrapWith(t, th, g.genesis)
		for range 6 {
			n := 1 + g.r.IntN(12)
			var batch []*AUM
			for range n {
				batch = append(batch, g.next())
			}
			if g.r.IntN(4) == 0 && len(g.aums) > n { // replay old AUMs too
				batch = append([]*AUM{g.aums[g.r.IntN(len(g.aums)-n)]}, batch...)
			}
			if both.inform(t, batch) == nil {
				accepted++
			} else {
				refused++
				// Retry the good prefix one by one, as a syncing node would.
				for _, u := range batch {
					both.inform(t, []*AUM{u})
				}
			}
		}
		parted += both.parted
		checkReopen(t, both)
		checkNodeKeys(t, g, both)
	}
	t.Logf("%d batches accepted, %d refused by both; theirs took %d refused by a known difference", accepted, refused, parted)
	if accepted == 0 || refused == 0 {
		t.Fatalf("the generator must produce both outcomes (accepted %d, refused %d)", accepted, refused)
	}
	return accepted + refused
}

// checkReopen opens both stores afresh: the same head and state again.
func checkReopen(t *testing.T, both *authorities) {
	t.Helper()
	ours, err := Open(both.ourStore)
	theirs, terr := both.theirs.reopen()
	if (err == nil) != (terr == nil) {
		t.Fatalf("reopen verdicts differ: ours %v, theirs %v", err, terr)
	}
	if err != nil {
		return
	}
	re := &authorities{ours: ours, ourStore: both.ourStore, theirs: theirs, th: both.th}
	re.compare(t)
}

// checkNodeKeys asks both authorities about node-key signatures of every
// kind, made by trusted, removed and unknown keys, intact and damaged.
func checkNodeKeys(t *testing.T, g *chainGen, both *authorities) {
	t.Helper()
	var list []NodeKeyCheck
	for range 40 {
		nk, sig := randNodeKeySig(g)
		list = append(list, NodeKeyCheck{NodeKey: nk, Signature: sig})
	}
	bulk := both.ours.NodeKeysAuthorized(list)
	for i, c := range list {
		ourErr := both.ours.NodeKeyAuthorized(c.NodeKey, c.Signature)
		theirErr := both.theirs.nodeKeyAuthorized(c.NodeKey, c.Signature)
		if (ourErr == nil) != (theirErr == nil) {
			t.Fatalf("node-key verdicts differ on %x:\n ours: %v\ntheirs: %v", c.Signature, ourErr, theirErr)
		}
		if (bulk[i] == nil) != (ourErr == nil) {
			t.Fatalf("bulk verdict %v differs from single verdict %v", bulk[i], ourErr)
		}
	}
}

// randNodeKeySig makes a node key and a signature meant for it, of a
// random kind, by a random key the generator knows, sometimes damaged.
func randNodeKeySig(g *chainGen) (NodeKey, []byte) {
	r := g.r
	var nk NodeKey
	copy(nk[:], randBytes(r, 32))
	signers := make([]ed25519.PrivateKey, 0, len(g.keys))
	for _, k := range g.keys {
		signers = append(signers, k)
	}
	slices.SortFunc(signers, func(a, b ed25519.PrivateKey) int { return bytes.Compare(a, b) })
	signer := testSigner{signers[r.IntN(len(signers))]}
	wrapPriv := newTestKey(r)
	wrapPub := wrapPriv.Public().(ed25519.PublicKey)
	ctx := context.Background()
	var sig *NodeKeySignature
	var err error
	switch r.IntN(5) {
	case 0, 1:
		var rot ed25519.PublicKey
		if r.IntN(2) == 0 {
			rot = wrapPub
		}
		sig, err = SignNodeKey(ctx, signer, nk, rot)
	case 2: // node rotated its key: rotation over a direct signature
		var old NodeKey
		copy(old[:], randBytes(r, 32))
		direct, _ := SignNodeKey(ctx, signer, old, wrapPub)
		sig, err = SignRotation(wrapPriv, direct, nk)
	case 3: // wrapped pre-auth key: rotation over a credential
		cred, _ := SignCredential(ctx, signer, wrapPub)
		sig, err = SignRotation(wrapPriv, cred, nk)
	case 4: // rotated twice
		var k1, k2 NodeKey
		copy(k1[:], randBytes(r, 32))
		copy(k2[:], randBytes(r, 32))
		direct, _ := SignNodeKey(ctx, signer, k1, wrapPub)
		mid, _ := SignRotation(wrapPriv, direct, k2)
		sig, err = SignRotation(wrapPriv, mid, nk)
	}
	if err != nil {
		panic(err)
	}
	b := sig.Serialize()
	switch r.IntN(10) {
	case 0:
		b[r.IntN(len(b))] ^= 1 << r.IntN(8)
	case 1:
		nk[0] ^= 1
	case 2:
		b = b[:r.IntN(len(b))]
	case 3:
		cred, _ := SignCredential(ctx, signer, wrapPub)
		b = cred.Serialize()
	case 4:
		sig.SigKind = SigKind(r.IntN(5))
		b = sig.Serialize()
	case 5:
		if sig.Nested != nil {
			sig.Nested.Pubkey = randBytes(r, 34)
			b = sig.Serialize()
		}
	}
	return nk, b
}
