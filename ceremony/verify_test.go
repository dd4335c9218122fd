package ceremony

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/tka"
)

// TestVerifyNamesEdits signs a transcript with a soft key and checks that
// Verify accepts it and names each edit, the witness list's included.
func TestVerifyNamesEdits(t *testing.T) {
	k := openSoft(t, softKey(t, t.TempDir()))
	f, data := signedFile(t, k, nil)
	if _, err := Verify(data, nil); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if _, err := Verify(data, k.PublicKey()); err != nil {
		t.Fatalf("verify with its --key: %v", err)
	}
	if _, err := Verify(data, make([]byte, 32)); err == nil || err.Error() != "signed by "+f.Signature.PublicKey+", not by the --key given" {
		t.Errorf("verify with another --key: %v", err)
	}
	tests := []struct {
		name, old, new, wantErr string
	}{
		{"witness renamed", `"Alice"`, `"Mallory"`, "the transcript differs from what was signed (in people); it was edited"},
		{"witness removed", `"Alice",
      "Bob"`, `"Alice"`, "the transcript differs from what was signed (in people); it was edited"},
		{"runbook lowered", `"runbookPeople": 2`, `"runbookPeople": 1`, "the transcript differs from what was signed (in runbookPeople); it was edited"},
		{"fewer added", `"runbookPeople": 2,`, `"runbookPeople": 2, "fewerPeopleConfirmed": true,`, "the transcript differs from what was signed (in fewerPeopleConfirmed); it was edited"},
		{"output value", `disablement:0a`, `disablement:0b`, "output disablement-1 does not match its SHA-256; the transcript was edited"},
		{"step result", `"confirmed"`, `"skipped"`, "the transcript differs from what was signed (in steps); it was edited"},
		{"whitespace", "{\n  \"transcript\"", "{\n   \"transcript\"", "the file is not byte for byte what signet wrote (line 2 differs); the transcript was edited"},
		{"unknown member", `"schema": 2,`, `"schema": 2, "extra": 2,`, `not a ceremony transcript: json: unknown field "extra"`},
		{"newer schema", `"schema": 2,`, `"schema": 3,`, "transcript schema 3, want 1 to 2; use the signet that wrote it"},
		{"signature", f.Signature.Signature[:8], "00000000", "the signature does not verify with " + f.Signature.PublicKey},
		{"signature hex", f.Signature.Signature[:8], "zzzzzzzz", "the signature does not verify with " + f.Signature.PublicKey},
		{"context", `"context": "signet ceremony transcript v1"`, `"context": "signet ceremony transcript v2"`, "the transcript differs from what was signed (the digest or its context); it was edited"},
		{"signer key", `"publicKey": "` + f.Signature.PublicKey + `",
    "signature"`, `"publicKey": "tlpub:00",
    "signature"`, `signature.publicKey: tailnet-lock key "tlpub:00": want 64 hex digits, got 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := bytes.Replace(data, []byte(tt.old), []byte(tt.new), 1)
			if bytes.Equal(edited, data) {
				t.Fatalf("%q is not in the transcript", tt.old)
			}
			_, err := Verify(edited, nil)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Verify(edited) = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if _, err := Verify(append(bytes.Clone(data), "{}"...), nil); err == nil || err.Error() != "not a ceremony transcript: more than one JSON value" {
		t.Errorf("two values: %v", err)
	}
}

// TestVerifyRefusesSigned checks the rules a validly signed file can
// still break: the outputs must agree and the witnesses must be named as
// signet names them.
func TestVerifyRefusesSigned(t *testing.T) {
	k := openSoft(t, softKey(t, t.TempDir()))
	pub := tka.FormatTLPub(k.PublicKey())
	value := "disablement:0a" + strings.Repeat("00", 31)
	tests := []struct {
		name    string
		edit    func(*Transcript)
		wantErr string
	}{
		{"no disablement", func(tr *Transcript) { tr.Outputs = tr.Outputs[1:] }, "the transcript holds no disablement value"},
		{"no init line", func(tr *Transcript) { tr.Outputs = tr.Outputs[:1] }, "the transcript holds no init-line output"},
		{"init line", func(tr *Transcript) { tr.Outputs[1] = NewOutput("init-line", "tailscale lock init "+pub) },
			"the init-line does not list exactly the trusted keys and disablement values of the transcript"},
		{"box not first", func(tr *Transcript) {
			tr.Keys = []string{otherKey}
			tr.Outputs[1] = NewOutput("init-line", InitLine(tr.Keys, []string{value}))
		}, "the first trusted key is not the box's key"},
		{"key differs from signer", func(tr *Transcript) {
			tr.Key.PublicKey, tr.Keys = otherKey, []string{otherKey}
			tr.Outputs[1] = NewOutput("init-line", InitLine(tr.Keys, []string{value}))
		}, "signed by " + pub + ", but the transcript's key is " + otherKey},
		{"nobody", func(tr *Transcript) { tr.People = nil }, "the transcript names no people present"},
		{"control name", func(tr *Transcript) { tr.People[1] = "Bob\x1b[2J" }, "person 2: the name holds a control or non-printing character"},
		{"fewer unconfirmed", func(tr *Transcript) { tr.People = tr.People[:1] },
			"the transcript names 1 people, the runbook asks for 2, and fewerPeopleConfirmed is false; signet never writes that"},
		{"confirmed not fewer", func(tr *Transcript) { tr.FewerPeopleConfirmed = true },
			"the transcript names 2 people, the runbook asks for 2, and fewerPeopleConfirmed is true; signet never writes that"},
		{"no runbook number", func(tr *Transcript) { tr.RunbookPeople = 0 }, "the transcript does not say how many people the runbook asks for"},
		{"schema 1 with witnesses' rule", func(tr *Transcript) { tr.Schema = 1 },
			"a schema 1 transcript holds the schema 2 members runbookPeople or fewerPeopleConfirmed"},
		{"genesis not hex", func(tr *Transcript) { tr.Outputs = append(tr.Outputs, NewOutput("genesis-aum", "zz")) },
			"genesis-aum is not one hex AUM: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, data := signedFile(t, k, tt.edit)
			_, err := Verify(data, nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Verify = %v, want %q", err, tt.wantErr)
			}
		})
	}
	// A schema 1 transcript (no witness rule recorded) still verifies.
	_, data := signedFile(t, k, func(tr *Transcript) { tr.Schema, tr.RunbookPeople, tr.People = 1, 0, tr.People[:1] })
	if _, err := Verify(data, nil); err != nil {
		t.Errorf("schema 1: %v", err)
	}
}

// TestVerifyGenesis checks the genesis AUM against the transcript: a
// genesis signed by the box with the same keys and values passes, any
// other is named.
func TestVerifyGenesis(t *testing.T) {
	box := openSoft(t, softKey(t, t.TempDir()))
	other := openSoft(t, softKey(t, t.TempDir()))
	pub, otherPub := tka.FormatTLPub(box.PublicKey()), tka.FormatTLPub(other.PublicKey())
	v1, v2 := make([]byte, 32), make([]byte, 32)
	v1[0], v2[0] = 1, 2
	genesis := func(signer tka.Signer, keys []tka.Key, values [][]byte) string {
		_, g, err := tka.Create(context.Background(), tka.NewMemStore(), tka.State{Keys: keys, DisablementValues: values, StateID1: 1, StateID2: 2}, signer)
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(g.Serialize())
	}
	boxKey, otherKey := tka.NewEd25519Key(box.PublicKey(), 1), tka.NewEd25519Key(other.PublicKey(), 1)
	forged := func() string {
		aums, err := tka.ParseHexAUMs(genesis(box, []tka.Key{boxKey}, [][]byte{v1}))
		if err != nil {
			t.Fatal(err)
		}
		aums[0].Signatures[0].Signature[0] ^= 1
		return hex.EncodeToString(aums[0].Serialize())
	}
	tests := []struct {
		name    string
		keys    []string
		aum     string
		wantErr string
	}{
		{"good", []string{pub}, genesis(box, []tka.Key{boxKey}, [][]byte{v1}), ""},
		{"other keys", []string{pub}, genesis(box, []tka.Key{boxKey, otherKey}, [][]byte{v1}), "genesis-aum trusts other keys than the transcript lists"},
		{"other values", []string{pub}, genesis(box, []tka.Key{boxKey}, [][]byte{v2}), "genesis-aum holds other disablement values than the transcript lists"},
		{"bad signature", []string{pub}, forged(), "genesis-aum: "},
		{"signed by another", []string{pub, otherPub}, genesis(other, []tka.Key{boxKey, otherKey}, [][]byte{v1}), "genesis-aum is not signed by the box's key alone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, data := signedFile(t, box, func(tr *Transcript) {
				value := tka.FormatDisablement(v1)
				tr.Keys = tt.keys
				tr.Outputs = []Output{NewOutput("disablement-1", value), NewOutput("init-line", InitLine(tt.keys, []string{value})), NewOutput("genesis-aum", tt.aum)}
			})
			_, err := Verify(data, nil)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
				t.Errorf("Verify = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestVerifyFile reads the file and its Markdown from disk.
func TestVerifyFile(t *testing.T) {
	k := openSoft(t, softKey(t, t.TempDir()))
	f, data := signedFile(t, k, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "c.json")
	mdPath := filepath.Join(dir, "c.md")
	write := func(p string, b []byte) {
		t.Helper()
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(path, data)
	if _, err := VerifyFile(path, nil); err != nil {
		t.Fatalf("without .md: %v", err)
	}
	write(mdPath, f.Markdown())
	got, err := VerifyFile(path, k.PublicKey())
	if err != nil || got.Transcript.ID != f.Transcript.ID {
		t.Fatalf("with .md: %v", err)
	}
	write(mdPath, bytes.Replace(f.Markdown(), []byte("- Bob"), []byte("- Bobby"), 1))
	if _, err := VerifyFile(path, nil); err == nil || err.Error() != mdPath+": line 10 differs from the rendering of the verified JSON; the Markdown was edited" {
		t.Errorf("edited .md: %v", err)
	}
	os.Remove(mdPath)
	os.Mkdir(mdPath, 0o700)
	if _, err := VerifyFile(path, nil); err == nil || !strings.HasPrefix(err.Error(), "reading "+mdPath+": ") {
		t.Errorf(".md is a directory: %v", err)
	}

	other := filepath.Join(dir, "transcript")
	write(other, data)
	if _, err := VerifyFile(other, nil); err != nil {
		t.Errorf("a name without .json (no .md to check): %v", err)
	}
	write(other, bytes.Replace(data, []byte(`"Alice"`), []byte(`"Alicia"`), 1))
	if _, err := VerifyFile(other, nil); err == nil || err.Error() != other+": the transcript differs from what was signed (in people); it was edited" {
		t.Errorf("edited: %v", err)
	}
	if _, err := VerifyFile(filepath.Join(dir, "missing.json"), nil); err == nil || !strings.HasPrefix(err.Error(), "reading the transcript: open ") {
		t.Errorf("missing: %v", err)
	}
	big := filepath.Join(dir, "big.json")
	write(big, make([]byte, MaxFile+1))
	if _, err := VerifyFile(big, nil); err == nil || err.Error() != big+" is over 4 MiB; that is no ceremony transcript" {
		t.Errorf("too big: %v", err)
	}
	if _, err := VerifyFile(dir, nil); err == nil || !strings.HasPrefix(err.Error(), "reading "+dir+": ") {
		t.Errorf("a directory: %v", err)
	}
}

// TestDigestIsDomainSeparated checks that the signed digest is not the
// SHA-512/256 of the content alone.
func TestDigestIsDomainSeparated(t *testing.T) {
	k := openSoft(t, softKey(t, t.TempDir()))
	f, _ := signedFile(t, k, nil)
	canon, err := f.Transcript.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	d, empty := Digest(canon), Digest(nil)
	if bytes.Equal(d[:], empty[:]) || hex.EncodeToString(d[:]) != f.Signature.Digest {
		t.Fatalf("digest %x does not depend on the content or differs from the signed one", d)
	}
	if !strings.HasPrefix(Context, "signet ceremony transcript v1") || !strings.HasSuffix(Context, "\x00") {
		t.Fatalf("context %q", Context)
	}
}

// TestSignErrors signs with a closed key.
func TestSignErrors(t *testing.T) {
	k := openSoft(t, softKey(t, t.TempDir()))
	k.Close()
	tr := Transcript{Schema: Schema}
	if _, err := Sign(context.Background(), &tr, k); err == nil || err.Error() != "signing the transcript: soft key is closed; open it again" {
		t.Errorf("closed key: %v", err)
	}
	if _, err := sections([]byte("[")); err == nil {
		t.Error("sections of bad JSON")
	}
	if got := differingSections([]byte("["), nil); got != "unreadable" {
		t.Errorf("differingSections of bad JSON = %q", got)
	}
}

// TestTranscriptOutputs finds outputs by name and lists the values.
func TestTranscriptOutputs(t *testing.T) {
	tr := Transcript{Outputs: []Output{NewOutput("disablement-1", "a"), NewOutput("init-line", "l"), NewOutput("disablement-2", "b")}}
	if o := tr.Output("init-line"); o == nil || o.Value != "l" || o.SHA256 != sha256Hex([]byte("l")) {
		t.Errorf("Output(init-line) = %+v", o)
	}
	if o := tr.Output("genesis-aum"); o != nil {
		t.Errorf("Output(genesis-aum) = %+v", o)
	}
	if got := tr.Disablements(); fmtLines(got) != `["a" "b"]` {
		t.Errorf("Disablements = %q", got)
	}
}
