package main

// Rules for this file: the state directory holds only public data: the key
// URI, the public key and the attestation. No PIN, passphrase, lockout
// secret or management key is ever written here. Files are created with
// O_EXCL and never overwritten in place.

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// defaultStateDir is where signet keeps its key URI and public data.
const defaultStateDir = "/var/lib/signet"

// Names of the files in the state directory.
const (
	uriFile         = "key.uri"
	pubFile         = "key.pub"
	attestationFile = "attestation.json"
)

// attestationSchema is the version of attestation.json and of the --json
// output of the key verbs; raise it when a field changes meaning.
const attestationSchema = 1

// attestationDoc is attestation.json: what the backend proved when the key
// was made.
type attestationDoc struct {
	Schema    int               `json:"schema"`
	Backend   string            `json:"backend"`
	URI       string            `json:"uri"`
	PublicKey string            `json:"publicKey"` // tlpub:<hex>
	Hardware  bool              `json:"hardware"`
	Summary   string            `json:"summary"`
	Facts     map[string]string `json:"facts,omitempty"`
	Evidence  [][]byte          `json:"evidence,omitempty"` // base64 in JSON
	Created   time.Time         `json:"created"`
}

func newAttestationDoc(u hsm.URI, pub ed25519.PublicKey, a hsm.Attestation) *attestationDoc {
	return &attestationDoc{
		Schema: attestationSchema, Backend: u.Scheme, URI: u.String(),
		PublicKey: tka.FormatTLPub(pub), Hardware: a.Hardware, Summary: a.Summary,
		Facts: a.Facts, Evidence: a.Evidence, Created: time.Now().UTC().Truncate(time.Second),
	}
}

// keyState is what the state directory says about the key.
type keyState struct {
	dir string
	uri hsm.URI
	pub ed25519.PublicKey
	att *attestationDoc // nil when attestation.json is missing
}

// absStateDir returns dir as a clean absolute path, which key URIs need.
func absStateDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("--state %q: %w", dir, err)
	}
	return abs, nil
}

// loadKeyState reads key.uri, key.pub and attestation.json from dir.
func loadKeyState(dir string) (*keyState, error) {
	dir, err := absStateDir(dir)
	if err != nil {
		return nil, err
	}
	s := &keyState{dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, uriFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, withHint(fmt.Errorf("no key in %s: %s does not exist", dir, uriFile),
			"run 'signet key init --hsm tpm' (or piv) to make one, or pass --state")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the key URI: %w", err)
	}
	if s.uri, err = hsm.ParseURI(strings.TrimSpace(string(b))); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, uriFile), err)
	}
	if b, err = os.ReadFile(filepath.Join(dir, pubFile)); err != nil {
		return nil, fmt.Errorf("reading the public key: %w", err)
	}
	if s.pub, err = tka.ParseTLPub(strings.TrimSpace(string(b))); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, pubFile), err)
	}
	s.att, err = readAttestation(filepath.Join(dir, attestationFile))
	return s, err
}

func readAttestation(path string) (*attestationDoc, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the attestation: %w", err)
	}
	var d attestationDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	if d.Schema != attestationSchema {
		return nil, fmt.Errorf("%s has schema %d, want %d; upgrade signet", path, d.Schema, attestationSchema)
	}
	return &d, nil
}

// writeKeyState writes key.uri, key.pub and attestation.json (0644, O_EXCL).
func writeKeyState(dir string, u hsm.URI, pub ed25519.PublicKey, att *attestationDoc) error {
	j, err := json.MarshalIndent(att, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the attestation: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{pubFile, []byte(tka.FormatTLPub(pub) + "\n")},
		{attestationFile, append(j, '\n')},
		{uriFile, []byte(u.String() + "\n")}, // last: its presence means "done"
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
	}
	return nil
}

// writeNew writes a new file and syncs it; it fails if the file exists.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// moveAside renames the key files in dir to NAME.replaced-TIMESTAMP, so a
// replaced key can still be recovered by hand. Missing files are skipped.
func moveAside(dir string, names ...string) ([]string, error) {
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var moved []string
	for _, n := range names {
		from := filepath.Join(dir, n)
		to := from + ".replaced-" + stamp
		if err := os.Rename(from, to); errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return moved, fmt.Errorf("moving the old %s aside: %w", n, err)
		}
		moved = append(moved, to)
	}
	return moved, nil
}
