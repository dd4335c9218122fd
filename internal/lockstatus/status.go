// Package lockstatus reads what `tailscale lock status` prints on a node:
// the JSON of `--json` (schema version 1) and the text form, including the
// `tailscale lock sign nodekey:… tlpub:…` line a locked-out node shows.
//
// Everything here is input from another machine: it is checked against the
// local authority (its state ID, its keys) before anything is signed, and
// the labels it carries (DNS names, IDs) are claims, never facts.
package lockstatus

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/signetbox/signet/tka"
)

// maxStatusJSON bounds the input: a tailnet of tens of thousands of nodes
// prints well under this.
const maxStatusJSON = 256 << 20

// Status is `tailscale lock status --json`, schema version 1, for an
// authority that is enabled.
type Status struct {
	SchemaVersion    string
	Enabled          bool
	PublicKey        string // the node's own tlpub:
	NodeKey          string // the node's own nodekey:
	Head             string
	NodeKeySigned    bool
	NodeKeySignature *Signature
	TrustedKeys      []Key
	VisiblePeers     []Peer
	FilteredPeers    []Peer
	// StateID is the authority's StateID1 ("State" in the JSON).
	StateID uint64 `json:"State"`
}

// Key is one trusted key as the status lists it.
type Key struct {
	Kind   string
	Votes  uint
	Public string
	Meta   map[string]string
}

// Peer is a node as the status lists it. For VisiblePeers it carries the
// node-key signature that authorizes it.
type Peer struct {
	ID               string
	DNSName          string
	TailscaleIPs     []string
	NodeKey          string
	NodeKeySignature *Signature
}

// Signature is a node-key signature taken apart into JSON fields; keys are
// printed as tlpub:<hex> and the signature as base64url.
type Signature struct {
	SigKind           string
	PublicKey         string
	KeyID             string
	Signature         string
	Nested            *Signature
	WrappingPublicKey string
}

// ParseJSON reads `tailscale lock status --json` output.
func ParseJSON(data []byte) (*Status, error) {
	if len(data) > maxStatusJSON {
		return nil, fmt.Errorf("the status JSON is larger than %d MiB", maxStatusJSON>>20)
	}
	var st Status
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("reading the lock status JSON (want the output of 'tailscale lock status --json'): %w", err)
	}
	if st.SchemaVersion != "1" {
		return nil, fmt.Errorf("the lock status JSON has schema version %q; this signet reads version 1", short(st.SchemaVersion))
	}
	if !st.Enabled {
		return nil, errors.New("the lock status JSON says Tailnet Lock is not enabled on that node")
	}
	if st.StateID == 0 {
		return nil, errors.New("the lock status JSON carries no State (the authority's state ID)")
	}
	return &st, nil
}

// ErrOtherAuthority means status input was made under another authority
// (another tailnet, or a lock that was disabled and enabled again).
var ErrOtherAuthority = errors.New("the lock status is from another authority")

// CheckAuthority refuses a status whose state ID is not the authority's.
func (st *Status) CheckAuthority(a *tka.Authority) error {
	id1, _ := a.StateIDs()
	return CheckStateID(st.StateID, id1)
}

// CheckStateID refuses a status state ID that is not want.
func CheckStateID(got, want uint64) error {
	if got != want {
		return fmt.Errorf("%w: its state ID is %d, the local authority's is %d (another tailnet, or the lock was re-initialised); take the status from a node of this tailnet, or re-import the chain", ErrOtherAuthority, got, want)
	}
	return nil
}

// Decode rebuilds the serialized node-key signature from its JSON fields.
func (s *Signature) Decode() (*tka.NodeKeySignature, error) {
	var out tka.NodeKeySignature
	switch s.SigKind {
	case "direct":
		out.SigKind = tka.SigDirect
	case "rotation":
		out.SigKind = tka.SigRotation
	case "credential":
		out.SigKind = tka.SigCredential
	default:
		return nil, fmt.Errorf("unknown signature kind %q", short(s.SigKind))
	}
	var err error
	if out.Pubkey, err = hexKey(s.PublicKey, "PublicKey"); err != nil {
		return nil, err
	}
	if out.KeyID, err = hexKey(s.KeyID, "KeyID"); err != nil {
		return nil, err
	}
	if out.WrappingPubkey, err = hexKey(s.WrappingPublicKey, "WrappingPublicKey"); err != nil {
		return nil, err
	}
	if out.Signature, err = base64.URLEncoding.DecodeString(s.Signature); err != nil {
		return nil, fmt.Errorf("signature Signature is not base64url: %w", err)
	}
	if s.Nested != nil {
		if out.Nested, err = s.Nested.Decode(); err != nil {
			return nil, fmt.Errorf("nested: %w", err)
		}
	}
	return &out, nil
}

// Raw returns the signature's serialized bytes, as control and
// tailscale.com/tka handle it.
func (s *Signature) Raw() ([]byte, error) {
	d, err := s.Decode()
	if err != nil {
		return nil, err
	}
	raw := d.Serialize()
	if _, err := tka.DecodeNodeKeySignature(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// hexKey decodes an optional tlpub:<hex> field of any length.
func hexKey(s, field string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	rest, ok := strings.CutPrefix(s, tka.PrefixTLPub)
	if !ok {
		return nil, fmt.Errorf("signature %s %q does not start with %q", field, short(s), tka.PrefixTLPub)
	}
	b, err := hex.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("signature %s is not hex: %w", field, err)
	}
	return b, nil
}

// short trims untrusted text for an error message.
func short(s string) string {
	if len(s) > 64 {
		s = s[:61] + "..."
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
