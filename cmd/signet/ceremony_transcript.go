package main

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
	"time"

	"github.com/signetbox/signet/tka"
)

// transcriptSchema is the version of the transcript JSON; raise it when a
// field changes meaning.
const transcriptSchema = 1

// transcriptContext prefixes the signed content. NOTE(ceremony): the key
// signs a 32-byte hash, and a Tailnet Lock signature is also over a 32-byte
// hash (an AUM or node-key SigHash). Signing SHA-512/256 of this prefix
// and the canonical JSON, never a 32-byte value taken from the input,
// means no transcript signature can be replayed as a Tailnet Lock
// signature: that would need a SHA-512/256 preimage that starts with this
// prefix and equals a BLAKE2s SigHash.
const transcriptContext = "signet ceremony transcript v1\x00"

// transcriptFile is the whole JSON file: the transcript and its signature.
type transcriptFile struct {
	Transcript transcript    `json:"transcript"`
	Signature  transcriptSig `json:"signature"`
}

// transcript is what happened at one ceremony.
type transcript struct {
	Schema   int          `json:"schema"`
	ID       string       `json:"id"` // ceremony-<UTC time>
	Signet   string       `json:"signet"`
	Started  time.Time    `json:"started"`
	Finished time.Time    `json:"finished"`
	People   []string     `json:"people"`
	Key      ceremonyKey  `json:"key"`
	Keys     []string     `json:"trustedKeys"` // tlpub:HEX[?votes], the box's first
	Steps    []step       `json:"steps"`
	Warnings []string     `json:"warnings,omitempty"`
	Outputs  []outputHash `json:"outputs"`
}

// ceremonyKey is the box's key and what its backend attested.
type ceremonyKey struct {
	PublicKey   string            `json:"publicKey"`
	Backend     string            `json:"backend"`
	URI         string            `json:"uri"`
	Made        string            `json:"made"` // "new" or "existing"
	Hardware    bool              `json:"hardware"`
	Attestation string            `json:"attestation"` // the summary line
	Facts       map[string]string `json:"facts,omitempty"`
	Evidence    []string          `json:"evidenceSHA256,omitempty"` // SHA-256 of each evidence blob
}

// step is one line of the transcript: a step and its result.
type step struct {
	N      int       `json:"n"`
	Name   string    `json:"name"`
	Time   time.Time `json:"time"`
	Result string    `json:"result"`
}

// outputHash is one output of the ceremony, kept in full, and its SHA-256.
type outputHash struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	SHA256 string `json:"sha256"`
}

// transcriptSig is the box's signature over the transcript.
type transcriptSig struct {
	Algorithm string            `json:"algorithm"` // how Digest is made
	Context   string            `json:"context"`   // transcriptContext without its NUL
	Digest    string            `json:"digest"`    // hex of the 32 bytes signed
	Sections  map[string]string `json:"sections"`  // SHA-256 of each member of the canonical JSON, to name what was edited
	PublicKey string            `json:"publicKey"` // tlpub:HEX
	Signature string            `json:"signature"` // hex Ed25519
}

const digestAlgorithm = "ed25519 over sha512/256(context || NUL || canonical JSON of transcript)"

// newOutput returns an output with its hash.
func newOutput(name, value string) outputHash {
	return outputHash{Name: name, Value: value, SHA256: sha256Hex([]byte(value))}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// canonical is the transcript's compact JSON, the bytes that are signed.
func (t *transcript) canonical() ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("encoding the transcript: %w", err)
	}
	return b, nil
}

// transcriptDigest is SHA-512/256(transcriptContext || canonical).
func transcriptDigest(canon []byte) [32]byte {
	return sha512.Sum512_256(slices.Concat([]byte(transcriptContext), canon))
}

// sections hashes each top-level member of the canonical JSON.
func sections(canon []byte) (map[string]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(canon, &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = sha256Hex(v)
	}
	return out, nil
}

// signTranscript signs t with s and returns the file to write.
func signTranscript(ctx context.Context, t *transcript, s tka.Signer) (*transcriptFile, error) {
	canon, err := t.canonical()
	if err != nil {
		return nil, err
	}
	secs, err := sections(canon)
	if err != nil {
		return nil, err
	}
	d := transcriptDigest(canon)
	sig, err := s.Sign(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("signing the transcript: %w", err)
	}
	return &transcriptFile{Transcript: *t, Signature: transcriptSig{
		Algorithm: digestAlgorithm,
		Context:   transcriptContext[:len(transcriptContext)-1],
		Digest:    hex.EncodeToString(d[:]),
		Sections:  secs,
		PublicKey: tka.FormatTLPub(s.PublicKey()),
		Signature: hex.EncodeToString(sig),
	}}, nil
}

// marshal returns the file's bytes: indented JSON and a newline.
func (f *transcriptFile) marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encoding the transcript: %w", err)
	}
	return b.Bytes(), nil
}

// output returns the output named name, or nil.
func (t *transcript) output(name string) *outputHash {
	for i := range t.Outputs {
		if t.Outputs[i].Name == name {
			return &t.Outputs[i]
		}
	}
	return nil
}
