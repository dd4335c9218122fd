package keyplan

import (
	"context"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/tka"
)

var evilKey = chaingen.NewKey(66)

// chain makes the fixture authority (box and old key) in a memory store,
// then has the old key add evilKey.
func chain(t *testing.T) (*tka.Authority, *tka.MemStore) {
	t.Helper()
	ctx := context.Background()
	st := tka.NewMemStore()
	state := tka.State{Keys: []tka.Key{tka.NewEd25519Key(boxKey.PublicKey(), 2), tka.NewEd25519Key(oldKey.PublicKey(), 1)},
		DisablementValues: [][]byte{tka.DisablementKDF([]byte("keyplan"))}, StateID1: stateID, StateID2: 1}
	auth, _, err := tka.Create(ctx, st, state, boxKey)
	if err != nil {
		t.Fatal(err)
	}
	b := auth.NewBuilder(oldKey)
	if err := b.AddKey(ctx, tka.NewEd25519Key(evilKey.PublicKey(), 1)); err != nil {
		t.Fatal(err)
	}
	updates, err := b.Finalize(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Inform(st, updates); err != nil {
		t.Fatal(err)
	}
	return auth, st
}

func TestBuildRecoveryWarnsOfKeptAdditions(t *testing.T) {
	auth, st := chain(t)
	req, err := ParseRecovery([]string{oldTL}, "")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := BuildRecovery(auth, st, req, tka.KeyID(boxKey.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if rec.AUM.State.Trusts(oldKey.PublicKey()) || !rec.AUM.State.Trusts(evilKey.PublicKey()) {
		t.Fatal("the recovery must remove the old key and (unless named) keep what it added")
	}
	if len(rec.Kept) != 1 || !evilKey.PublicKey().Equal(ed25519Pub(rec.Kept[0].Key.Public)) {
		t.Fatalf("kept additions %+v, want the evil key", rec.Kept)
	}

	// Named too, nothing is kept.
	req, _ = ParseRecovery([]string{oldTL, tka.FormatTLPub(evilKey.PublicKey())}, "")
	rec, err = BuildRecovery(auth, st, req, tka.KeyID(boxKey.PublicKey()))
	if err != nil || len(rec.Kept) != 0 || rec.AUM.State.Trusts(evilKey.PublicKey()) {
		t.Fatalf("naming the added key: %+v, %v", rec, err)
	}

	// The blob passes the co-sign checks for exactly the keys it removes.
	blob := tka.FormatHexAUM(rec.AUM)
	u, err := CosignBlob(blob)
	if err != nil {
		t.Fatal(err)
	}
	inf := info()
	inf.Keys, inf.Votes = append(inf.Keys, tka.FormatTLPub(evilKey.PublicKey())), append(inf.Votes, 1)
	want, _ := ParseKeys("--removes", []string{tka.FormatTLPub(evilKey.PublicKey()), oldTL})
	if err := CheckRemoves(u, want, inf); err != nil {
		t.Fatal(err)
	}
	only, _ := ParseKeys("--removes", []string{oldTL})
	err = CheckRemoves(u, only, inf)
	var h interface{ Hints() []string }
	if err == nil || !strings.Contains(err.Error(), "also removes "+tka.FormatTLPub(evilKey.PublicKey())) || !errorsAs(err, &h) {
		t.Fatalf("a blob removing more than named: %v", err)
	}
	more, _ := ParseKeys("--removes", []string{oldTL, tka.FormatTLPub(evilKey.PublicKey()), boxTL})
	inf.Keys = inf.Keys[1:]
	if err := CheckRemoves(u, more, inf); err == nil || !strings.Contains(err.Error(), "does not remove "+boxTL) {
		t.Fatalf("a blob removing less than named: %v", err)
	}
	other := info()
	other.StateID++
	if err := CheckRemoves(u, want, other); err == nil || !strings.Contains(err.Error(), "another authority") {
		t.Fatalf("a blob of another authority: %v", err)
	}
	broken := info()
	broken.Keys[0] = "tlpub:00"
	if err := CheckRemoves(u, want, broken); err == nil || !strings.Contains(err.Error(), "the daemon's trusted key") {
		t.Fatalf("a broken daemon key: %v", err)
	}
}

func TestBuildRecoveryRefuses(t *testing.T) {
	auth, st := chain(t)
	req, _ := ParseRecovery([]string{freshTL}, "")
	if _, err := BuildRecovery(auth, st, req, tka.KeyID(boxKey.PublicKey())); err == nil || !strings.Contains(err.Error(), "none of the keys to revoke is trusted") {
		t.Fatalf("revoking an untrusted key: %v", err)
	}
	// A fork point not on the chain: the recovery AUM is built, the walk
	// back to it fails.
	req, _ = ParseRecovery([]string{oldTL}, tka.AUMHash{9}.String())
	if _, err := BuildRecovery(auth, st, req, tka.KeyID(boxKey.PublicKey())); err == nil || !strings.Contains(err.Error(), "keys added since the fork") {
		t.Fatalf("a foreign fork point: %v", err)
	}
}

func TestParseRecoveryAndBlobRefuse(t *testing.T) {
	for _, tc := range []struct {
		keys []string
		fork string
		want string
	}{
		{[]string{"tlpub:zz"}, "", "--plan"},
		{[]string{oldTL}, "nothash", "--fork-from"},
	} {
		if _, err := ParseRecovery(tc.keys, tc.fork); err == nil || !strings.Contains(err.Error(), tc.want) || !cli.IsUsage(err) {
			t.Errorf("ParseRecovery(%v, %q) = %v", tc.keys, tc.fork, err)
		}
	}
	if _, err := ParseKeys("--removes", []string{"x"}); err == nil || !strings.Contains(err.Error(), "--removes") || !cli.IsUsage(err) {
		t.Errorf("ParseKeys: %v", err)
	}
	auth, _ := chain(t)
	for blob, want := range map[string]string{
		"zz":                             "--cosign",
		tka.FormatHexAUM(auth.HeadAUM()): "a recovery AUM is a checkpoint",
	} {
		if _, err := CosignBlob(blob); err == nil || !strings.Contains(err.Error(), want) || !cli.IsUsage(err) {
			t.Errorf("CosignBlob(%.10s…) = %v, want %q", blob, err, want)
		}
	}
}
