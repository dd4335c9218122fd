package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hdevalence/ed25519consensus"
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/tka"
)

// maxTranscript bounds what verify reads; a transcript is a few KiB.
const maxTranscript = 4 << 20

// ceremonyVerifyArgs holds the flags of "signet ceremony verify".
type ceremonyVerifyArgs struct {
	key string // the tlpub: the transcript must be signed by
}

// newCeremonyVerifyCmd builds "signet ceremony verify".
func newCeremonyVerifyCmd() *cobra.Command {
	a := &ceremonyVerifyArgs{}
	cmd := &cobra.Command{
		Use:   "verify [--key tlpub:HEX] FILE.json",
		Short: "Check a ceremony transcript's signature, hashes and outputs",
		Long: `Check a transcript written by 'signet ceremony init': the SHA-256 of
every output, that the init line and the genesis AUM agree with each other
and with the trusted keys, that the box's signature verifies, and that the
file is byte for byte what signet wrote. The Markdown file next to it
(FILE.md), when present, must be the rendering of the JSON.

The signature proves only that the key in the file signed it: pass --key
with the box's tlpub: (from 'signet key show' or the paper copy) to check
who signed. Exit status 1 names the first thing that differs.`,
		Example: `  $ signet ceremony verify ceremony-20260102T100000Z.json
  ceremony-20260102T100000Z.json: ceremony ceremony-20260102T100000Z of 2026-01-02T10:00:00Z, 2 people, 3 disablement values, signed by tlpub:4e1f…, verified`,
		Args: exactArgs(1, "FILE.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCeremonyVerify(cmd.OutOrStdout(), args[0], a)
		},
	}
	cmd.Flags().StringVar(&a.key, "key", "", "the `tlpub:HEX` key the transcript must be signed by")
	return cmd
}

func runCeremonyVerify(w io.Writer, path string, a *ceremonyVerifyArgs) error {
	var want []byte
	if a.key != "" {
		k, err := tka.ParseTLPub(a.key)
		if err != nil {
			return usageErr(fmt.Errorf("--key: %w", err))
		}
		want = k
	}
	data, err := readLimited(path, maxTranscript)
	if err != nil {
		return err
	}
	f, err := verifyTranscript(data, want)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := checkMarkdown(path, f); err != nil {
		return err
	}
	t := &f.Transcript
	_, err = fmt.Fprintf(w, "%s: ceremony %s of %s, %d people, %d disablement values, signed by %s, verified\n",
		path, t.ID, t.Started.Format("2006-01-02T15:04:05Z"), len(t.People), countDisablements(t), f.Signature.PublicKey)
	return err
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

// verifyTranscript runs every check on the file's bytes. want, when not
// nil, is the key that must have signed.
func verifyTranscript(data []byte, want []byte) (*transcriptFile, error) {
	f, err := parseTranscript(data)
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
	again, err := f.marshal()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, data) {
		return nil, fmt.Errorf("the file is not byte for byte what signet wrote (line %d differs); the transcript was edited", firstDiffLine(again, data))
	}
	return f, nil
}

// parseTranscript decodes strictly: no unknown members, one JSON value.
func parseTranscript(data []byte) (*transcriptFile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f transcriptFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a ceremony transcript: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a ceremony transcript: more than one JSON value")
	}
	if f.Transcript.Schema != transcriptSchema {
		return nil, fmt.Errorf("transcript schema %d, want %d; use the signet that wrote it", f.Transcript.Schema, transcriptSchema)
	}
	return &f, nil
}

// checkSignature recomputes the digest, names the first section that
// differs from what was signed, and verifies the signature.
func checkSignature(f *transcriptFile, want []byte) error {
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
	canon, err := f.Transcript.canonical()
	if err != nil {
		return err
	}
	d := transcriptDigest(canon)
	if hex.EncodeToString(d[:]) != s.Digest || s.Context+"\x00" != transcriptContext || s.Algorithm != digestAlgorithm {
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
func checkOutputs(t *transcript) error {
	var values []string
	for _, o := range t.Outputs {
		if strings.HasPrefix(o.Name, "disablement-") {
			values = append(values, o.Value)
		}
	}
	if len(values) == 0 {
		return errors.New("the transcript holds no disablement value")
	}
	line := t.output("init-line")
	if line == nil {
		return errors.New("the transcript holds no init-line output")
	}
	want := strings.Join(slices.Concat([]string{"tailscale lock init --gen-disablements 0"}, t.Keys, values), " ")
	if line.Value != want {
		return errors.New("the init-line does not list exactly the trusted keys and disablement values of the transcript")
	}
	if len(t.Keys) == 0 || !strings.HasPrefix(t.Keys[0], t.Key.PublicKey) {
		return errors.New("the first trusted key is not the box's key")
	}
	if g := t.output("genesis-aum"); g != nil {
		return checkGenesis(g.Value, t.Keys, values)
	}
	return nil
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
		got = append(got, formatKeyArg(k))
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

// checkMarkdown compares FILE.md, if present, with the rendering of f.
func checkMarkdown(path string, f *transcriptFile) error {
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
	if want := f.markdown(); !bytes.Equal(md, want) {
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

func countDisablements(t *transcript) int {
	n := 0
	for _, o := range t.Outputs {
		if strings.HasPrefix(o.Name, "disablement-") {
			n++
		}
	}
	return n
}
