package signer

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

// signedAUMs parses an answer's AUMs and checks they chain: the first on
// head, each later one on the one before it as signed.
func signedAUMs(t *testing.T, resp *api.Response, head tka.AUMHash) []*tka.AUM {
	t.Helper()
	if resp.Status != api.StatusSigned {
		t.Fatalf("%s: %s %q", resp.ID, resp.Status, resp.Error)
	}
	var out []*tka.AUM
	for i, blob := range resp.AUMs {
		u, err := tka.ParseHexAUM(blob)
		if err != nil {
			t.Fatal(err)
		}
		parent, _ := u.Parent()
		want := head
		if i > 0 {
			want = out[i-1].Hash()
		}
		if parent != want {
			t.Fatalf("AUM %d has parent %v, want %v", i, parent, want)
		}
		out = append(out, u)
	}
	return out
}

// checkDigest checks that the review's digest (what the approval code
// covers) is chainDigest of the AUMs signed.
func checkDigest(t *testing.T, f *fixture, aums []*tka.AUM) {
	t.Helper()
	rv := f.prompt.reviews()
	if got, want := rv[len(rv)-1].Digest, hex.EncodeToString(chainDigest(aums)); got != want {
		t.Errorf("the review's digest %s is not the digest of the AUMs signed %s", got, want)
	}
}

// An update-key request that sets votes and metadata makes two AUMs; the
// second's parent covers the first's signature. Before the review covered
// the chain rule instead of the preview's parent link, it could never be
// signed: "the AUMs made differ from the ones reviewed".
func TestUpdateKeyVotesAndMetaIsSigned(t *testing.T) {
	f := newFixture(t)
	head := f.svc.Authority().Head()
	other := tka.FormatTLPub(f.other.PublicKey())
	resp := f.svc.Handle(context.Background(), &api.Request{ID: "vm", Kind: api.KindUpdateKey, Key: other, Votes: 3, Meta: map[string]string{"owner": "ops"}}, "t")
	aums := signedAUMs(t, resp, head)
	if len(aums) != 2 || *aums[0].Votes != 3 || aums[1].Meta["owner"] != "ops" {
		t.Fatalf("want a votes AUM and a meta AUM, got %d AUMs", len(aums))
	}
	checkDigest(t, f, aums)
	k := f.svc.Authority().State().Keys[1]
	if k.Votes != 3 || k.Meta["owner"] != "ops" {
		t.Fatalf("the key after the update: votes %d, meta %v", k.Votes, k.Meta)
	}
	if r := f.prompt.reviews()[0]; !strings.Contains(strings.Join(r.Summary, "\n"), "parent: the AUM above, once signed") {
		t.Errorf("the review must say where the second AUM's parent comes from:\n%s", strings.Join(r.Summary, "\n"))
	}
}

// Three keys added in one request: one review, three chained AUMs.
func TestAddSeveralKeysInOneRequest(t *testing.T) {
	f := newFixture(t)
	head := f.svc.Authority().Head()
	var keys []api.KeyChange
	for i := range 3 {
		keys = append(keys, api.KeyChange{Key: tka.FormatTLPub(chaingen.NewKey(uint64(900 + i)).PublicKey()), Votes: uint(i + 1)})
	}
	resp := f.svc.Handle(context.Background(), &api.Request{ID: "add3", Kind: api.KindAddKey, Keys: keys}, "t")
	aums := signedAUMs(t, resp, head)
	if len(aums) != 3 || len(f.prompt.reviews()) != 1 {
		t.Fatalf("%d AUMs after %d reviews; want 3 after 1", len(aums), len(f.prompt.reviews()))
	}
	checkDigest(t, f, aums)
	a := f.svc.Authority()
	for i, k := range keys {
		pub, _ := tka.ParseTLPub(k.Key)
		if !a.KeyTrusted(tka.KeyID(pub)) || aums[i].Key.Votes != k.Votes {
			t.Errorf("key %d is not added with %d votes", i, k.Votes)
		}
	}
	// Two of them removed in one request.
	head = a.Head()
	rm := &api.Request{ID: "rm2", Kind: api.KindRemoveKey, Keys: []api.KeyChange{{Key: keys[0].Key}, {Key: keys[2].Key}}}
	aums = signedAUMs(t, f.svc.Handle(context.Background(), rm, "t"), head)
	if len(aums) != 2 || len(f.svc.Authority().State().Keys) != 3 {
		t.Fatalf("%d AUMs, %d keys left; want 2 and 3", len(aums), len(f.svc.Authority().State().Keys))
	}
	checkDigest(t, f, aums)
}

// A key change that makes the chain's checkpoint due gets the checkpoint
// as a second AUM of the same review, and both are signed.
func TestKeyChangeWithDueCheckpointIsSigned(t *testing.T) {
	f := newFixture(t)
	b := f.svc.Authority().NewBuilder(f.other)
	for range checkpointDue {
		if err := b.NoOp(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	noops, err := b.Updates()
	if err != nil {
		t.Fatal(err)
	}
	var blobs []string
	for _, u := range noops {
		blobs = append(blobs, tka.FormatHexAUM(u))
	}
	head, err := f.svc.Inform(blobs, "relay")
	if err != nil {
		t.Fatal(err)
	}
	add := &api.Request{ID: "due", Kind: api.KindAddKey, Key: tka.FormatTLPub(chaingen.NewKey(910).PublicKey())}
	aums := signedAUMs(t, f.svc.Handle(context.Background(), add, "t"), head)
	if len(aums) != 2 || aums[1].MessageKind != tka.AUMCheckpoint {
		t.Fatalf("want add-key and a checkpoint, got %d AUMs", len(aums))
	}
	checkDigest(t, f, aums)
	if re, err := tka.Open(f.store); err != nil || re.Head() != aums[1].Hash() {
		t.Fatalf("the chain store after the checkpoint: %v", err)
	}
}

// checkpointDue is how many AUMs after a checkpoint make the next key
// change carry a checkpoint as well: tka's builder adds one when the
// last 50 AUMs, counting those it built, hold none.
const checkpointDue = 49

// The digest covers every field of every AUM and the first AUM's parent;
// it leaves out only the parent links made while signing. The signing
// check refuses AUMs that are reordered or chained otherwise.
func TestChainDigest(t *testing.T) {
	f := newFixture(t)
	p := f.svc.planner()
	req := &api.Request{Kind: api.KindAddKey, Keys: []api.KeyChange{{Key: tka.FormatTLPub(chaingen.NewKey(920).PublicKey())}, {Key: tka.FormatTLPub(chaingen.NewKey(921).PublicKey())}}}
	preview, err := p.buildAUMs(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := p.buildAUMs(context.Background(), req, f.box)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(preview[1].PrevAUMHash, signed[1].PrevAUMHash) {
		t.Fatal("the test needs a second AUM whose parent link changes with the signature")
	}
	if !bytes.Equal(chainDigest(preview), chainDigest(signed)) || sameChain(preview, signed) != nil {
		t.Fatal("the signed chain must match the reviewed one")
	}
	// Any change of content changes the digest.
	changed := *signed[1]
	changed.Key = &tka.Key{Kind: changed.Key.Kind, Votes: changed.Key.Votes + 1, Public: changed.Key.Public}
	if bytes.Equal(chainDigest(preview), chainDigest([]*tka.AUM{signed[0], &changed})) {
		t.Error("changing the second AUM's votes left the digest as it was")
	}
	moved := *signed[0]
	moved.PrevAUMHash = bytes.Repeat([]byte{7}, 32)
	if bytes.Equal(chainDigest(preview), chainDigest([]*tka.AUM{&moved, signed[1]})) {
		t.Error("moving the first AUM to another parent left the digest as it was")
	}
	if sameChain(preview, []*tka.AUM{signed[1], signed[0]}) == nil {
		t.Error("reordered AUMs pass the signing check")
	}
	loose := *signed[1]
	loose.PrevAUMHash = preview[1].PrevAUMHash
	if sameChain(preview, []*tka.AUM{signed[0], &loose}) == nil {
		t.Error("a second AUM that is not on the first as signed passes the signing check")
	}
}

// Requests for several keys are checked before the console.
func TestKeysValidation(t *testing.T) {
	k1 := tka.FormatTLPub(chaingen.NewKey(930).PublicKey())
	k2 := tka.FormatTLPub(chaingen.NewKey(931).PublicKey())
	many := make([]api.KeyChange, api.MaxKeyChanges+1)
	for i := range many {
		many[i] = api.KeyChange{Key: tka.FormatTLPub(chaingen.NewKey(uint64(1000 + i)).PublicKey())}
	}
	cases := []struct {
		req  *api.Request
		want string
	}{
		{&api.Request{Kind: api.KindAddKey, Key: k1, Keys: []api.KeyChange{{Key: k2}}}, "give either key (with votes and meta) or keys, not both"},
		{&api.Request{Kind: api.KindAddKey, Keys: []api.KeyChange{{Key: k1}, {Key: k1}}}, "keys[1]: " + k1 + " is listed twice"},
		{&api.Request{Kind: api.KindRemoveKey, Keys: []api.KeyChange{{Key: k1, Votes: 2}}}, "keys[0]: a removal takes no votes or meta"},
		{&api.Request{Kind: api.KindAddKey, Keys: []api.KeyChange{{Key: "tlpub:zz"}}}, "keys[0]: tailnet-lock key"},
		{&api.Request{Kind: api.KindAddKey, Keys: many}, "the request changes 33 keys, more than 32; split it"},
		{&api.Request{Kind: api.KindRemoveKey, Keys: []api.KeyChange{{Key: k1}, {Key: k2}}}, "cannot remove " + k1 + ": it is not trusted"},
	}
	f := newFixture(t)
	for i, tc := range cases {
		tc.req.ID = "v" + string(rune('a'+i))
		r := f.svc.Handle(context.Background(), tc.req, "t")
		if r.Status != api.StatusError || !strings.Contains(r.Error, tc.want) {
			t.Errorf("case %d: %s %q, want an error with %q", i, r.Status, r.Error, tc.want)
		}
	}
	if n := len(f.prompt.reviews()); n != 0 {
		t.Fatalf("%d refused requests reached the console", n)
	}
}
