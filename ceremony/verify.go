package ceremony

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hdevalence/ed25519consensus"

	"github.com/signetbox/signet/tka"
)

// MaxFile bounds what VerifyFile reads; a transcript is a few KiB.
const MaxFile = 4 << 20

// VerifyFile reads the transcript at path and runs every check of
// [Verify] on it; want, when not nil, is the key that must have signed.
// The Markdown file next to it (the same name ending in .md), when
// present, must be the rendering of the verified JSON.
func VerifyFile(path string, want ed25519.PublicKey) (*File, error) {
	data, err := readLimited(path, MaxFile)
	if err != nil {
		return nil, err
	}
	f, err := Verify(data, want)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkMarkdown(path, f); err != nil {
		return nil, err
	}
	return f, nil
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the transcript: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over %d MiB; that is no ceremony transcript", path, max>>20)
	}
	return data, nil
}

// Verify runs every check on a transcript file's bytes and names the
// first thing that differs: the SHA-256 of each output, that the init line
// and the genesis AUM agree with the trusted keys and disablement values,
// the signature (by want, when not nil), that the bytes are exactly what
// signet writes, and that the witnesses are named as signet records them.
func Verify(data []byte, want ed25519.PublicKey) (*File, error) {
	f, err := parse(data)
	if err != nil {
		return nil, err
	}
	t := &f.Transcript
	for _, o := range t.Outputs {
		if sha256Hex([]byte(o.Value)) != o.SHA256 {
			return nil, fmt.Errorf("output %s does not match its SHA-256; the transcript was edited", o.Name)
		}
	}
	if err := checkOutputs(t); err != nil {
		return nil, err
	}
	if err := checkSignature(f, want); err != nil {
		return nil, err
	}
	again, err := f.Marshal()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, data) {
		return nil, fmt.Errorf("the file is not byte for byte what signet wrote (line %d differs); the transcript was edited", firstDiffLine(again, data))
	}
	if err := checkPeople(t); err != nil {
		return nil, err
	}
	return f, nil
}

// parse decodes strictly: no unknown members, one JSON value, a known
// schema.
func parse(data []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a ceremony transcript: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a ceremony transcript: more than one JSON value")
	}
	if s := f.Transcript.Schema; s != 1 && s != Schema {
		return nil, fmt.Errorf("transcript schema %d, want 1 to %d; use the signet that wrote it", s, Schema)
	}
	return &f, nil
}

// checkSignature recomputes the digest, names the first section that
// differs from what was signed, and verifies the signature.
func checkSignature(f *File, want ed25519.PublicKey) error {
	s := &f.Signature
	pub, err := tka.ParseTLPub(s.PublicKey)
	if err != nil {
		return fmt.Errorf("signature.publicKey: %w", err)
	}
	if s.PublicKey != f.Transcript.Key.PublicKey {
		return fmt.Errorf("signed by %s, but the transcript's key is %s", s.PublicKey, f.Transcript.Key.PublicKey)
	}
	if want != nil && !bytes.Equal(pub, want) {
		return fmt.Errorf("signed by %s, not by the --key given", s.PublicKey)
	}
	canon, err := f.Transcript.Canonical()
	if err != nil {
		return err
	}
	d := Digest(canon)
	if hex.EncodeToString(d[:]) != s.Digest || s.Context+"\x00" != Context || s.Algorithm != DigestAlgorithm {
		return fmt.Errorf("the transcript differs from what was signed (%s); it was edited", differingSections(canon, s.Sections))
	}
	sig, err := hex.DecodeString(s.Signature)
	if err != nil || !ed25519consensus.Verify(pub, d[:], sig) {
		return fmt.Errorf("the signature does not verify with %s", s.PublicKey)
	}
	return nil
}

// differingSections names the members whose hash differs from the signed
// one. The recorded hashes are not signed on their own; they only help
// name the edit, and the digest check fails either way.
func differingSections(canon []byte, signed map[string]string) string {
	now, err := sections(canon)
	if err != nil {
		return "unreadable"
	}
	var diff []string
	for k, v := range now {
		if signed[k] != v {
			diff = append(diff, k)
		}
	}
	for k := range signed {
		if _, ok := now[k]; !ok {
			diff = append(diff, k)
		}
	}
	if len(diff) == 0 {
		return "the digest or its context"
	}
	slices.Sort(diff)
	return "in " + strings.Join(diff, ", ")
}

// checkOutputs checks that the outputs agree: the init line carries the
// trusted keys and the disablement values, and the genesis AUM is signed
// by the box and holds the same keys and values.
func checkOutputs(t *Transcript) error {
	values := t.Disablements()
	if len(values) == 0 {
		return errors.New("the transcript holds no disablement value")
	}
	line := t.Output("init-line")
	if line == nil {
		return errors.New("the transcript holds no init-line output")
	}
	if line.Value != InitLine(t.Keys, values) {
		return errors.New("the init-line does not list exactly the trusted keys and disablement values of the transcript")
	}
	if len(t.Keys) == 0 || !strings.HasPrefix(t.Keys[0], t.Key.PublicKey) {
		return errors.New("the first trusted key is not the box's key")
	}
	if g := t.Output("genesis-aum"); g != nil {
		return checkGenesis(g.Value, t.Keys, values)
	}
	return nil
}

// InitLine is the `tailscale lock init` line for the trusted keys and
// disablement values, as the ceremony prints it.
func InitLine(keys, values []string) string {
	return strings.Join(slices.Concat([]string{"tailscale lock init --gen-disablements 0"}, keys, values), " ")
}

// checkGenesis bootstraps the genesis AUM in memory (which checks its
// signature) and compares its keys and disablement values.
func checkGenesis(hexAUM string, keys, values []string) error {
	aums, err := tka.ParseHexAUMs(hexAUM)
	if err != nil || len(aums) != 1 {
		return fmt.Errorf("genesis-aum is not one hex AUM: %v", err)
	}
	a, err := tka.Bootstrap(tka.NewMemStore(), aums[0])
	if err != nil {
		return fmt.Errorf("genesis-aum: %w", err)
	}
	var got []string
	for _, k := range a.Keys() {
		got = append(got, FormatKeyArg(k))
	}
	if !slices.Equal(got, keys) {
		return errors.New("genesis-aum trusts other keys than the transcript lists")
	}
	got = got[:0]
	for _, v := range a.State().DisablementValues {
		got = append(got, tka.FormatDisablement(v))
	}
	if !slices.Equal(got, values) {
		return errors.New("genesis-aum holds other disablement values than the transcript lists")
	}
	sig := aums[0].Signatures
	if len(sig) != 1 || !strings.HasPrefix(keys[0], tka.FormatTLPub(sig[0].KeyID)) {
		return errors.New("genesis-aum is not signed by the box's key alone")
	}
	return nil
}

// checkPeople checks the witnesses as signet records them: at least one,
// each a printable name, and (schema 2) the runbook's number with the
// confirmation that fewer were present exactly when they were.
func checkPeople(t *Transcript) error {
	if len(t.People) == 0 {
		return errors.New("the transcript names no people present")
	}
	for i, n := range t.People {
		if err := checkName(n); err != nil {
			return fmt.Errorf("person %d: %w", i+1, err)
		}
	}
	fewer := len(t.People) < t.RunbookPeople
	switch {
	case t.Schema == 1 && (t.RunbookPeople != 0 || t.FewerPeopleConfirmed):
		return errors.New("a schema 1 transcript holds the schema 2 members runbookPeople or fewerPeopleConfirmed")
	case t.Schema == 1:
		return nil
	case t.RunbookPeople < 1:
		return errors.New("the transcript does not say how many people the runbook asks for")
	case fewer != t.FewerPeopleConfirmed:
		return fmt.Errorf("the transcript names %d people, the runbook asks for %d, and fewerPeopleConfirmed is %v; signet never writes that",
			len(t.People), t.RunbookPeople, t.FewerPeopleConfirmed)
	}
	return nil
}

// checkMarkdown compares the .md next to path, if present, with the
// rendering of f.
func checkMarkdown(path string, f *File) error {
	mdPath := strings.TrimSuffix(path, ".json") + ".md"
	if mdPath == path {
		return nil
	}
	md, err := os.ReadFile(mdPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", mdPath, err)
	}
	if want := f.Markdown(); !bytes.Equal(md, want) {
		return fmt.Errorf("%s: line %d differs from the rendering of the verified JSON; the Markdown was edited", mdPath, firstDiffLine(want, md))
	}
	return nil
}

// firstDiffLine returns the 1-based number of the first line where a and
// b differ.
func firstDiffLine(a, b []byte) int {
	n := 1
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return n
		}
		if a[i] == '\n' {
			n++
		}
	}
	return n
}
