package ceremony

// Rules for this file: a transcript holds only public data: names, times,
// the public key, the attestation summary, disablement VALUES (never
// secrets), the init line and the genesis AUM, each output with its
// SHA-256. It is signed by the box's key over a domain-separated digest.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/signetbox/signet/tka"
)

// Schema is the version of the transcript JSON that this package writes;
// it is raised when a field changes meaning or a signed field is added.
// Schema 2 added RunbookPeople and FewerPeopleConfirmed; Verify still
// accepts schema 1 files, which have neither.
const Schema = 2

// Context prefixes the signed content. NOTE(ceremony): the key signs a
// 32-byte hash, and a Tailnet Lock signature is also over a 32-byte hash
// (an AUM or node-key SigHash). Signing SHA-512/256 of this prefix and the
// canonical JSON, never a 32-byte value taken from the input, means no
// transcript signature can be replayed as a Tailnet Lock signature: that
// would need a SHA-512/256 preimage that starts with this prefix and
// equals a BLAKE2s SigHash.
const Context = "signet ceremony transcript v1\x00"

// DigestAlgorithm says how Signature.Digest is made.
const DigestAlgorithm = "ed25519 over sha512/256(context || NUL || canonical JSON of transcript)"

// File is the whole JSON file: the transcript and its signature.
type File struct {
	Transcript Transcript `json:"transcript"`
	Signature  Signature  `json:"signature"`
}

// Transcript is what happened at one ceremony.
type Transcript struct {
	Schema   int       `json:"schema"`
	ID       string    `json:"id"` // ceremony-<UTC time>
	Signet   string    `json:"signet"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// People are the witnesses: everyone present, by name.
	People []string `json:"people"`
	// RunbookPeople is how many people the runbook asks for (schema 2).
	RunbookPeople int `json:"runbookPeople,omitempty"`
	// FewerPeopleConfirmed is true when fewer than RunbookPeople were
	// present and someone typed the confirmation (schema 2).
	FewerPeopleConfirmed bool     `json:"fewerPeopleConfirmed,omitempty"`
	Key                  Key      `json:"key"`
	Keys                 []string `json:"trustedKeys"` // tlpub:HEX[?votes], the box's first
	Steps                []Step   `json:"steps"`
	Warnings             []string `json:"warnings,omitempty"`
	Outputs              []Output `json:"outputs"`
}

// Key is the box's key and what its backend attested.
type Key struct {
	PublicKey   string            `json:"publicKey"`
	Backend     string            `json:"backend"`
	URI         string            `json:"uri"`
	Made        string            `json:"made"` // "new" or "existing"
	Hardware    bool              `json:"hardware"`
	Attestation string            `json:"attestation"` // the summary line
	Facts       map[string]string `json:"facts,omitempty"`
	Evidence    []string          `json:"evidenceSHA256,omitempty"` // SHA-256 of each evidence blob
}

// Step is one line of the transcript: a step and its result.
type Step struct {
	N      int       `json:"n"`
	Name   string    `json:"name"`
	Time   time.Time `json:"time"`
	Result string    `json:"result"`
}

// Output is one output of the ceremony, kept in full, and its SHA-256.
type Output struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	SHA256 string `json:"sha256"`
}

// Signature is the box's signature over the transcript.
type Signature struct {
	Algorithm string            `json:"algorithm"` // DigestAlgorithm
	Context   string            `json:"context"`   // Context without its NUL
	Digest    string            `json:"digest"`    // hex of the 32 bytes signed
	Sections  map[string]string `json:"sections"`  // SHA-256 of each member of the canonical JSON, to name what was edited
	PublicKey string            `json:"publicKey"` // tlpub:HEX
	Signature string            `json:"signature"` // hex Ed25519
}

// NewOutput returns an output with its hash.
func NewOutput(name, value string) Output {
	return Output{Name: name, Value: value, SHA256: sha256Hex([]byte(value))}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Canonical is the transcript's compact JSON, the bytes that are signed.
func (t *Transcript) Canonical() ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encoding the transcript: %w", err)
	}
	return b, nil
}

// Digest is SHA-512/256(Context || canon), what the box's key signs.
func Digest(canon []byte) [32]byte {
	return sha512.Sum512_256(slices.Concat([]byte(Context), canon))
}

// sections hashes each top-level member of the canonical JSON.
func sections(canon []byte) (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(canon, &m); err != nil {
		return nil, fmt.Errorf("splitting the transcript into sections: %w", err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = sha256Hex(v)
	}
	return out, nil
}

// Sign signs t with s and returns the file to write.
func Sign(ctx context.Context, t *Transcript, s tka.Signer) (*File, error) {
	canon, err := t.Canonical()
	if err != nil {
		return nil, err
	}
	secs, err := sections(canon)
	if err != nil {
		return nil, err
	}
	d := Digest(canon)
	sig, err := s.Sign(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("signing the transcript: %w", err)
	}
	return &File{Transcript: *t, Signature: Signature{
		Algorithm: DigestAlgorithm,
		Context:   Context[:len(Context)-1],
		Digest:    hex.EncodeToString(d[:]),
		Sections:  secs,
		PublicKey: tka.FormatTLPub(s.PublicKey()),
		Signature: hex.EncodeToString(sig),
	}}, nil
}

// Marshal returns the file's bytes: indented JSON and a newline.
func (f *File) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encoding the transcript: %w", err)
	}
	return b.Bytes(), nil
}

// Output returns the output named name, or nil.
func (t *Transcript) Output(name string) *Output {
	for i := range t.Outputs {
		if t.Outputs[i].Name == name {
			return &t.Outputs[i]
		}
	}
	return nil
}

// Disablements returns the values of the disablement-N outputs, in order.
func (t *Transcript) Disablements() []string {
	var values []string
	for _, o := range t.Outputs {
		if strings.HasPrefix(o.Name, "disablement-") {
			values = append(values, o.Value)
		}
	}
	return values
}
