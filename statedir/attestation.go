package statedir

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// AttestationSchema is the version of attestation.json and of the --json
// output of the key verbs; raise it when a field changes meaning.
const AttestationSchema = 1

// AttestationDoc is attestation.json: what the backend proved when the
// key was made.
type AttestationDoc struct {
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

// NewAttestationDoc records a, made for the key u with public key pub,
// now (to the second, UTC).
func NewAttestationDoc(u hsm.URI, pub ed25519.PublicKey, a hsm.Attestation) *AttestationDoc {
	return &AttestationDoc{
		Schema: AttestationSchema, Backend: u.Scheme, URI: u.String(),
		PublicKey: tka.FormatTLPub(pub), Hardware: a.Hardware, Summary: a.Summary,
		Facts: a.Facts, Evidence: a.Evidence, Created: time.Now().UTC().Truncate(time.Second),
	}
}

// HSM returns the attestation as the hsm package reports one.
func (d *AttestationDoc) HSM() *hsm.Attestation {
	return &hsm.Attestation{Backend: d.Backend, Hardware: d.Hardware, Summary: d.Summary, Facts: d.Facts, Evidence: d.Evidence}
}

// readAttestation reads attestation.json at path; a missing file is nil.
func readAttestation(path string) (*AttestationDoc, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the attestation: %w", err)
	}
	var d AttestationDoc
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	if d.Schema != AttestationSchema {
		return nil, fmt.Errorf("%s has schema %d, want %d; upgrade signet", path, d.Schema, AttestationSchema)
	}
	return &d, nil
}
