package main

// Recovery after a compromised signing key, end to end: two daemons in
// tmux (box A on a swtpm key, box B on a soft key) co-sign the recovery
// AUM that `signet revoke-keys --plan` builds, each approved on its own
// console, and tailscale.com/tka decides the fork.

import (
	"context"
	"strings"
	"testing"
	"time"

	ts "tailscale.com/tka"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// seedChain writes genesis and then rest into the empty chain store of dir.
func seedChain(t *testing.T, dir string, genesis *tka.AUM, rest []*tka.AUM) {
	t.Helper()
	st, err := signer.OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := tka.Bootstrap(st, genesis)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Inform(st, rest); err != nil {
		t.Fatal(err)
	}
}

// planLine returns the line of a --plan output that names key.
func planLine(t *testing.T, out, key string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, key) && !strings.HasPrefix(l, "recovery AUM") {
			return l
		}
	}
	t.Fatalf("the plan does not name %s:\n%s", key, out)
	return ""
}

// afterPrefix returns the rest of the first line of out starting with p.
func afterPrefix(t *testing.T, out, p string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, p); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q line in:\n%s", p, out)
	return ""
}

func toTS(t *testing.T, u *tka.AUM) ts.AUM {
	t.Helper()
	var out ts.AUM
	if err := out.Unserialize(u.Serialize()); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRecoveryTwoCosigners(t *testing.T) {
	t.Parallel()
	needTmux(t)
	ctx := context.Background()
	bin := testenv.BuildSignet(t)
	boxA, boxB := newTmuxServe(t, bin), newTmuxServe(t, bin)
	pubA, pubB := boxA.tpmKey(), boxB.softKey()
	keyC, attacker := chaingen.NewKey(501), chaingen.NewKey(666)
	tlA, tlB := tka.FormatTLPub(pubA), tka.FormatTLPub(pubB)
	tlC, tlX := tka.FormatTLPub(keyC.PublicKey()), tka.FormatTLPub(attacker.PublicKey())

	// The authority trusts A (1 vote), B (2) and C (2); its genesis is
	// signed by B. One co-signature (A's 1 vote) cannot outvote C's AUM;
	// two (3 votes) do. Then C, compromised, adds the attacker's key, and the
	// attacker signs a node of its own.
	keyB, err := soft.Open(ctx, statedir.Path(boxB.dir, statedir.SoftKey), hsm.FixedPIN(tmuxPassphrase))
	if err != nil {
		t.Fatal(err)
	}
	defer keyB.Close()
	state := tka.State{
		Keys:              []tka.Key{tka.NewEd25519Key(pubA, 1), tka.NewEd25519Key(pubB, 2), tka.NewEd25519Key(keyC.PublicKey(), 2)},
		DisablementValues: [][]byte{tka.DisablementKDF(make([]byte, 32))},
		StateID1:          0x5167_0001, StateID2: 0x5167_0002,
	}
	scratch, err := signer.OpenChainStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	auth, genesis, err := tka.Create(ctx, scratch, state, keyB)
	if err != nil {
		t.Fatal(err)
	}
	b := auth.NewBuilder(keyC)
	if err := b.AddKey(ctx, tka.NewEd25519Key(attacker.PublicKey(), 1)); err != nil {
		t.Fatal(err)
	}
	evil, err := b.Finalize(ctx, scratch)
	if err != nil {
		t.Fatal(err)
	}
	scratch.Close()
	seedChain(t, boxA.dir, genesis, evil)
	seedChain(t, boxB.dir, genesis, evil)
	evilNK, goodNK := tka.NodeKey{0xe7, 1}, tka.NodeKey{0x60, 1}
	evilSig, _ := tka.SignNodeKey(ctx, attacker, evilNK, nil)
	goodSig, _ := tka.SignNodeKey(ctx, keyB, goodNK, nil)

	boxA.launch(false)
	boxB.launch(false)

	// The plan, read-only from A's chain store. Naming C alone keeps the
	// key C added: the protocol copies the current key set minus the
	// named keys, so the operator names the attacker's key too.
	out, err := boxA.start("revoke-keys", "--plan", tlC)()
	if err != nil {
		t.Fatalf("revoke-keys --plan: %v\n%s", err, out)
	}
	if l := planLine(t, out, tlX); !strings.HasPrefix(l, "keeps") {
		t.Fatalf("a plan naming only C must show it keeps the attacker's key: %q", l)
	}
	if !strings.Contains(out, "warning: "+tlX+" was added by AUM") || !strings.Contains(out, "add --plan "+tlX) {
		t.Fatalf("the plan must warn that the key C added is kept:\n%s", out)
	}
	onlyC := afterPrefix(t, out, "recovery AUM (unsigned):")
	out, err = boxA.start("revoke-keys", "--plan", tlC, "--plan", tlX)()
	if err != nil {
		t.Fatalf("revoke-keys --plan: %v\n%s", err, out)
	}
	for key, verb := range map[string]string{tlA: "keeps", tlB: "keeps", tlC: "REMOVES", tlX: "REMOVES"} {
		if l := planLine(t, out, key); !strings.HasPrefix(l, verb) {
			t.Errorf("plan line %q, want %s", l, verb)
		}
	}
	if got := afterPrefix(t, out, "forks from:"); got != genesis.Hash().String() {
		t.Fatalf("the recovery forks from %s, want the genesis %s (every later state trusts C)", got, genesis.Hash())
	}
	if got := afterPrefix(t, out, "head now:"); got != evil[len(evil)-1].Hash().String() {
		t.Fatalf("head now: %s, want C's AUM %s", got, evil[len(evil)-1].Hash())
	}
	blob := afterPrefix(t, out, "recovery AUM (unsigned):")

	// Bad input: blobs that remove other keys than --removes names are
	// refused before the console.
	out, err = boxA.start("revoke-keys", "--plan", tlC, "--plan", tlX, "--plan", tlB)()
	if err != nil {
		t.Fatalf("revoke-keys --plan: %v\n%s", err, out)
	}
	removesB := afterPrefix(t, out, "recovery AUM (unsigned):")
	out, err = boxA.start("revoke-keys", "--socket", boxA.sock, "--cosign", removesB, "--removes", tlC, "--removes", tlX, "--id", "bad1")()
	if err == nil || !strings.Contains(out, "also removes "+tlB) || !strings.Contains(out, "nothing was sent") {
		t.Fatalf("a blob also removing B must be refused: %v\n%s", err, out)
	}
	out, err = boxA.start("revoke-keys", "--socket", boxA.sock, "--cosign", onlyC, "--removes", tlC, "--removes", tlX, "--id", "bad2")()
	if err == nil || !strings.Contains(out, "does not remove "+tlX) {
		t.Fatalf("a blob not removing a key --removes names must be refused: %v\n%s", err, out)
	}
	if boxA.screenShows("Approval code:", time.Second) || boxA.pins.Load() != 0 {
		t.Fatalf("a refused blob reached the console:\n%s", boxA.screen())
	}

	// Co-signature 1: box A, approved on its console, its TPM PIN typed.
	wait := boxA.start("revoke-keys", "--socket", boxA.sock, "--cosign", blob, "--removes", tlC, "--removes", tlX, "--id", "rec-a")
	scr := boxA.waitScreen("Approval code:", 30*time.Second)
	if !strings.Contains(scr, "revokes "+tlC) || !strings.Contains(scr, "revokes "+tlX) || !strings.Contains(scr, "forks from "+genesis.Hash().String()) {
		t.Fatalf("A's console must show what the recovery revokes and where it forks:\n%s", scr)
	}
	boxA.approveNext("rec-a", 0)
	out, err = wait()
	if err != nil {
		t.Fatalf("co-signing on A: %v\n%s", err, out)
	}
	once := afterPrefix(t, out, "aum:")
	if n := boxA.pins.Load(); n != 1 {
		t.Fatalf("A's TPM PIN was asked %d times for one co-signature", n)
	}

	// A refuses to sign the same blob twice.
	out, err = boxA.start("revoke-keys", "--socket", boxA.sock, "--cosign", once, "--removes", tlC, "--removes", tlX, "--id", "rec-a2")()
	if err == nil || !strings.Contains(out, "already carries a signature") {
		t.Fatalf("A must refuse to co-sign twice: %v\n%s", err, out)
	}

	// Co-signature 2: box B, a second daemon with its own state dir.
	wait = boxB.start("revoke-keys", "--socket", boxB.sock, "--cosign", once, "--removes", tlC, "--removes", tlX, "--id", "rec-b")
	scr = boxB.waitScreen("Approval code:", 30*time.Second)
	if !strings.Contains(scr, "carries 1 signature(s) before this one") {
		t.Fatalf("B's console must show the signature already carried:\n%s", scr)
	}
	boxB.approveNext("rec-b", 0)
	out, err = wait()
	if err != nil {
		t.Fatalf("co-signing on B: %v\n%s", err, out)
	}
	twice, err := tka.ParseHexAUM(afterPrefix(t, out, "aum:"))
	if err != nil {
		t.Fatal(err)
	}
	signers := map[string]bool{}
	for _, s := range twice.Signatures {
		signers[tka.FormatTLPub(s.KeyID)] = true
	}
	if len(twice.Signatures) != 2 || !signers[tlA] || !signers[tlB] {
		t.Fatalf("the recovery AUM carries signatures by %v, want A and B", signers)
	}

	// tailscale.com/tka: the chain with C's AUM, then the recovery with
	// both signatures.
	ta, store := tsAuthorityStore(t, boxA.dir)
	if !ta.KeyTrusted([]byte(attacker.PublicKey())) {
		t.Fatal("before the recovery the attacker's key is trusted")
	}
	if err := ta.NodeKeyAuthorized(tsNodeKey(evilNK), evilSig.Serialize()); err != nil {
		t.Fatalf("before the recovery the attacker's node is authorized: %v", err)
	}
	// With A's signature alone the recovery loses the fork (1 vote < 2).
	onceAUM, err := tka.ParseHexAUM(once)
	if err != nil {
		t.Fatal(err)
	}
	ta1, store1 := tsAuthorityStore(t, boxA.dir)
	if err := ta1.Inform(store1, []ts.AUM{toTS(t, onceAUM)}); err != nil {
		t.Fatalf("tailscale.com/tka refuses the once-signed recovery AUM: %v", err)
	}
	cHead := toTS(t, evil[len(evil)-1])
	if ta1.Head() != cHead.Hash() || !ta1.KeyTrusted([]byte(keyC.PublicKey())) {
		t.Fatal("one co-signature with fewer votes than C's must not win the fork")
	}
	rec := toTS(t, twice)
	if err := ta.Inform(store, []ts.AUM{rec}); err != nil {
		t.Fatalf("tailscale.com/tka refuses the recovery AUM: %v", err)
	}
	if ta.Head() != rec.Hash() {
		t.Fatalf("the head is %v, not the recovery AUM %v: the fork was not won", ta.Head(), rec.Hash())
	}
	if ta.KeyTrusted([]byte(keyC.PublicKey())) || ta.KeyTrusted([]byte(attacker.PublicKey())) {
		t.Error("C or the key C added is still trusted after the recovery")
	}
	if !ta.KeyTrusted([]byte(pubA)) || !ta.KeyTrusted([]byte(pubB)) {
		t.Error("A and B must stay trusted")
	}
	if err := ta.NodeKeyAuthorized(tsNodeKey(evilNK), evilSig.Serialize()); err == nil {
		t.Error("the attacker's node is still authorized")
	}
	if err := ta.NodeKeyAuthorized(tsNodeKey(goodNK), goodSig.Serialize()); err != nil {
		t.Errorf("B's node must stay authorized: %v", err)
	}
}
