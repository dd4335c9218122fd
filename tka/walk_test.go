package tka

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestRecentAndActiveChain(t *testing.T) {
	_, _, _, _, auth, st, genesis := addChain(t)
	all, err := auth.Recent(st, 10)
	if err != nil || len(all) != 3 {
		t.Fatalf("Recent(10) = %d AUMs, %v; want 3", len(all), err)
	}
	if all[0].Hash() != auth.Head() || all[2].Hash() != genesis {
		t.Errorf("Recent is not newest first: %v … %v", all[0].Hash(), all[2].Hash())
	}
	two, err := auth.Recent(st, 2)
	if err != nil || len(two) != 2 || two[0].Hash() != auth.Head() {
		t.Fatalf("Recent(2) = %d AUMs, %v", len(two), err)
	}
	chain, err := auth.ActiveChain(st)
	if err != nil || len(chain) != 3 || chain[0].Hash() != genesis || chain[2].Hash() != auth.Head() {
		t.Fatalf("ActiveChain = %d AUMs, %v; want genesis first, head last", len(chain), err)
	}
}

func TestWalkMissingAUM(t *testing.T) {
	_, _, _, _, auth, _, _ := addChain(t)
	empty := NewMemStore()
	if _, err := auth.Recent(empty, 5); err == nil || !strings.HasPrefix(err.Error(), "reading AUM ") {
		t.Errorf("Recent on an empty store = %v, want a reading AUM error", err)
	}
	if _, err := auth.ActiveChain(empty); err == nil || !strings.HasPrefix(err.Error(), "reading AUM ") {
		t.Errorf("ActiveChain on an empty store = %v, want a reading AUM error", err)
	}
	if _, _, err := auth.Reverify(empty); err == nil {
		t.Error("Reverify on an empty store verified")
	}
}

func TestActiveChainNoParent(t *testing.T) {
	_, _, _, _, auth, st, _ := addChain(t)
	// A store holding only a genesis AUM, which the authority does
	// not know as its oldest AUM.
	stray := auth.Clone()
	stray.oldest = AUMHash{1}
	if _, err := stray.ActiveChain(st); err == nil || !strings.Contains(err.Error(), "has no parent but is not the oldest AUM") {
		t.Fatalf("ActiveChain = %v, want a no-parent error", err)
	}
}

func TestReverify(t *testing.T) {
	_, _, _, _, auth, st, _ := addChain(t)
	chain, fresh, err := auth.Reverify(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != 3 || fresh.Head() != auth.Head() || len(fresh.Keys()) != len(auth.Keys()) {
		t.Fatalf("Reverify: %d AUMs, head %v (want %v), %d keys", len(chain), fresh.Head(), auth.Head(), len(fresh.Keys()))
	}
	// A head the chain does not end at.
	off := auth.Clone()
	off.oldest = chain[1].Hash()
	if _, _, err := off.Reverify(st); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("Reverify from a non-checkpoint = %v, want the oldest AUM not to verify", err)
	}
}

func TestReverifyBadSignature(t *testing.T) {
	_, _, _, _, auth, st, _ := addChain(t)
	head, _ := st.AUM(auth.Head())
	bad := *head
	bad.Signatures = []Signature{{KeyID: head.Signatures[0].KeyID, Signature: make([]byte, 64)}}
	tampered := NewMemStore()
	chain, _ := auth.ActiveChain(st)
	var entries []Entry
	for _, u := range chain[:2] {
		entries = append(entries, Entry{Hash: u.Hash(), AUM: u})
	}
	entries = append(entries, Entry{Hash: auth.Head(), AUM: &bad})
	if err := tampered.Commit(entries); err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.Reverify(tampered); err == nil || !strings.HasPrefix(err.Error(), "the chain does not verify: ") {
		t.Fatalf("Reverify of a forged signature = %v", err)
	}
}

func TestImport(t *testing.T) {
	_, _, _, _, auth, st, _ := addChain(t)
	chain, _ := auth.ActiveChain(st)
	dst := NewMemStore()
	// Out of order on purpose: the genesis AUM is found wherever it is.
	a, err := Import(dst, []*AUM{chain[0], chain[1], chain[2]}, true)
	if err != nil || a.Head() != auth.Head() || dst.Len() != 3 {
		t.Fatalf("Import into an empty store: %v, %d stored", err, dst.Len())
	}
	// Again into the filled store: nothing new, same head.
	a, err = Import(dst, chain, false)
	if err != nil || a.Head() != auth.Head() || dst.Len() != 3 {
		t.Fatalf("Import again: %v, %d stored", err, dst.Len())
	}
	// Only the genesis.
	one := NewMemStore()
	if a, err := Import(one, chain[:1], true); err != nil || a.Head() != chain[0].Hash() || one.Len() != 1 {
		t.Fatalf("Import of the genesis alone: %v", err)
	}
}

func TestImportRefused(t *testing.T) {
	_, _, _, _, auth, st, _ := addChain(t)
	chain, _ := auth.ActiveChain(st)
	dst := NewMemStore()
	_, err := Import(dst, chain[1:], true)
	if !errors.Is(err, ErrChainStart) || dst.Len() != 0 {
		t.Fatalf("Import without the genesis = %v (%d stored), want ErrChainStart and nothing stored", err, dst.Len())
	}
	if _, err := BootstrapChain(dst, nil); !errors.Is(err, ErrChainStart) {
		t.Fatalf("BootstrapChain(nil) = %v, want ErrChainStart", err)
	}
	// A filled store without an authority to open.
	if _, err := Import(NewMemStore(), chain, false); err == nil {
		t.Fatal("Import into an empty store taken for a filled one succeeded")
	}
	// A forged head: nothing of the batch is kept.
	bad := *chain[2]
	bad.Signatures = []Signature{{KeyID: chain[2].Signatures[0].KeyID, Signature: make([]byte, 64)}}
	dst = NewMemStore()
	if _, err := Import(dst, []*AUM{chain[0], chain[1], &bad}, true); err == nil || dst.Len() != 0 {
		t.Fatalf("Import of a forged AUM = %v with %d stored, want an error and nothing stored", err, dst.Len())
	}
}

func TestParseAUMLog(t *testing.T) {
	_, _, _, _, auth, st, _ := addChain(t)
	chain, _ := auth.ActiveChain(st)
	js, err := MarshalLogJSON(chain)
	if err != nil {
		t.Fatal(err)
	}
	var hex strings.Builder
	hex.WriteString("# a comment\n\n")
	for _, u := range chain {
		hex.WriteString(FormatHexAUM(u) + "\n")
	}
	for name, data := range map[string][]byte{"json": append([]byte("  \n"), js...), "hex": []byte(hex.String())} {
		got, err := ParseAUMLog(data)
		if err != nil || len(got) != 3 || got[2].Hash() != auth.Head() {
			t.Errorf("%s: %d AUMs, %v", name, len(got), err)
		}
	}
	if _, err := ParseAUMLog([]byte("{not json")); err == nil {
		t.Error("broken JSON parsed")
	}
	if _, err := ParseAUMLog([]byte("zz")); err == nil {
		t.Error("broken hex parsed")
	}
}

func TestDescribe(t *testing.T) {
	a, x, _, good, auth, st, genesis := addChain(t)
	g, _ := st.AUM(genesis)
	d := g.Describe()
	for _, want := range []string{"update " + genesis.String() + " (checkpoint)\n", "Disablement values:\n - ", "Keys:\n  Type: 25519\n  KeyID: " + FormatTLPub(a.PublicKey()), "Signed-by: " + FormatTLPub(a.PublicKey()) + "\n"} {
		if !strings.Contains(d, want) {
			t.Errorf("checkpoint stanza lacks %q:\n%s", want, d)
		}
	}
	head, _ := st.AUM(auth.Head())
	if d := head.Describe(); !strings.Contains(d, "(add-key)\nType: 25519\nKeyID: "+FormatTLPub(good.PublicKey())+"\n") {
		t.Errorf("add-key stanza:\n%s", d)
	}
	ctx := context.Background()
	b := auth.NewBuilder(a)
	if err := b.SetKeyVotes(ctx, KeyID(x.PublicKey()), 3); err != nil {
		t.Fatal(err)
	}
	if err := b.SetKeyMeta(ctx, KeyID(x.PublicKey()), map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveKey(ctx, KeyID(good.PublicKey())); err != nil {
		t.Fatal(err)
	}
	ups, err := b.Finalize(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"(update-key)\nKeyID: " + FormatTLPub(x.PublicKey()) + "\nVotes: 3\n",
		"(update-key)\nKeyID: " + FormatTLPub(x.PublicKey()) + "\nMetadata: map[k:v]\n",
		"(remove-key)\nKeyID: " + FormatTLPub(good.PublicKey()) + "\n",
	}
	for i, u := range ups {
		if d := u.Describe(); !strings.Contains(d, want[i]) {
			t.Errorf("stanza %d lacks %q:\n%s", i, want[i], d)
		}
	}
}

func TestReadAUMLog(t *testing.T) {
	_, _, _, _, auth, st, _ := addChain(t)
	chain, _ := auth.ActiveChain(st)
	js, err := MarshalLogJSON(chain)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadAUMLog(strings.NewReader(string(js)), "log.json")
	if err != nil || len(got) != 3 {
		t.Fatalf("ReadAUMLog = %d AUMs, %v", len(got), err)
	}
	if _, err := ReadAUMLog(strings.NewReader("{broken"), "log.json"); err == nil || !strings.HasPrefix(err.Error(), "log.json: ") {
		t.Errorf("broken input: %v, want an error naming log.json", err)
	}
	boom := errors.New("boom")
	if _, err := ReadAUMLog(iotest.ErrReader(boom), "-"); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "reading -: ") {
		t.Errorf("a failing reader: %v", err)
	}
}
