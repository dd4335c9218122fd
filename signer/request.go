package signer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Request is one signing request as the API receives it. Which fields are
// used depends on Kind; unknown fields are refused.
type Request struct {
	// ID is chosen by the client and names the request for good: a request
	// sent again with the same ID gets the first answer, never a second
	// signature.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`

	// sign-node: the node key and, optionally, the node's own tailnet-lock
	// key (its rotation key). Or a sign-device deeplink instead of both.
	NodeKey  string `json:"node_key,omitempty"`
	TLPub    string `json:"tlpub,omitempty"`
	Deeplink string `json:"deeplink,omitempty"`

	// wrap-authkey: the pre-auth key (a secret: only its hash is
	// journaled).
	AuthKey string `json:"auth_key,omitempty"`

	// add-key, remove-key, update-key: the key (tlpub:…) in Key, with
	// Votes and Meta for add-key and update-key.
	Key   string            `json:"key,omitempty"`
	Votes uint              `json:"votes,omitempty"`
	Meta  map[string]string `json:"meta,omitempty"`

	// add-key, remove-key: several keys instead of Key, Votes and Meta,
	// changed in one review and one approval: one AUM each, chained in
	// the order given.
	Keys []KeyChange `json:"keys,omitempty"`

	// cosign: the recovery AUM as hex (`tailscale lock revoke-keys` blob).
	AUM string `json:"aum,omitempty"`

	// batch: the node keys to sign after one review.
	Nodes []BatchNode `json:"nodes,omitempty"`
	// Limit, for a batch, signs at most this many of the nodes that this
	// box has not signed yet, in the order given (0: all of them). Nodes
	// already signed do not count: the review shows the number signed.
	Limit int `json:"limit,omitempty"`

	// Claims are labels about the device (name, OS, login) that nobody
	// verified; they are shown as claims.
	Claims map[string]string `json:"claims,omitempty"`

	// Override asks for a safety rail to be overridden; the console then
	// asks the operator to confirm the override too.
	Override bool `json:"override,omitempty"`

	// StateID, when set, is the tailnet's authority state ID as the
	// requester saw it (`tailscale lock status --json` "State"). A request
	// whose StateID differs from the box's is for another tailnet and is
	// refused before the console.
	StateID uint64 `json:"state_id,omitempty"`
}

// BatchNode is one node of a batch request.
type BatchNode struct {
	NodeKey string            `json:"node_key"`
	TLPub   string            `json:"tlpub,omitempty"`
	Claims  map[string]string `json:"claims,omitempty"`
}

// KeyChange is one key of a request that changes several (Request.Keys).
// Votes and Meta are for add-key only.
type KeyChange struct {
	Key   string            `json:"key"`
	Votes uint              `json:"votes,omitempty"`
	Meta  map[string]string `json:"meta,omitempty"`
}

// MaxKeyChanges bounds Request.Keys: each key is one AUM, shown whole on
// the console and signed one after the other.
const MaxKeyChanges = 32

// Response is the answer to a request.
type Response struct {
	ID     string `json:"id"`
	Status Status `json:"status"`
	// Error says what went wrong, in one line, when Status is error,
	// denied or busy.
	Error string `json:"error,omitempty"`
	// Signature is a node-key signature (hex of its CBOR).
	Signature string `json:"signature,omitempty"`
	// AUMs are signed AUMs as hex blobs, oldest first.
	AUMs []string `json:"aums,omitempty"`
	// WrappedAuthKey is the pre-auth key with its credential. It is a
	// secret: show it only to whoever asked.
	WrappedAuthKey string `json:"wrapped_auth_key,omitempty"`
	// Nodes are the per-node results of a batch.
	Nodes []NodeResult `json:"nodes,omitempty"`
	// Deliver is the way to get the result into the tailnet.
	Deliver []string `json:"deliver,omitempty"`
}

// NodeResult is one node's result in a batch.
type NodeResult struct {
	NodeKey   string `json:"node_key"`
	Signature string `json:"signature,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Status is the outcome of a request.
type Status string

// Request outcomes.
const (
	StatusSigned        Status = "signed"
	StatusAlreadySigned Status = "already-signed" // a valid signature existed; no prompt
	StatusDenied        Status = "denied"
	StatusBusy          Status = "busy"
	StatusError         Status = "error"
	// StatusFailed: approved, but signing failed (a wrong PIN, the device
	// went away); nothing was signed or released, and the journal closed
	// the request with a "failed" record. Send a new request.
	StatusFailed Status = "failed"
)

// idPattern limits request IDs to plain, printable text.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// ValidID reports whether id is a request ID the API takes.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// DecodeRequest reads one JSON request of at most limit bytes, refusing
// unknown fields and trailing data.
func DecodeRequest(r io.Reader, limit int64) (*Request, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading the request: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the request is larger than the %d-byte limit; split a batch into smaller ones", limit)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("the request is not valid JSON for this API: %w", err)
	}
	if dec.More() {
		return nil, errors.New("the request has data after its JSON object")
	}
	if req.CarriesSecret() {
		return nil, ErrSecretOutsideAuthKey
	}
	if !idPattern.MatchString(req.ID) {
		return nil, errors.New("the request id must be 1 to 64 letters, digits or . _ : -")
	}
	if !slices.Contains(kinds, req.Kind) {
		return nil, fmt.Errorf("unknown request kind %q (known: %v)", short(string(req.Kind)), kinds)
	}
	if err := req.checkFields(); err != nil {
		return nil, err
	}
	return &req, nil
}

// checkFields refuses fields that the request's kind does not use, where
// leaving them out silently would sign something else than was asked.
func (r *Request) checkFields() error {
	if r.Limit != 0 && r.Kind != KindBatch {
		return fmt.Errorf("limit is for batch requests, not %s", r.Kind)
	}
	if len(r.Keys) > 0 && r.Kind != KindAddKey && r.Kind != KindRemoveKey {
		return fmt.Errorf("keys is for add-key and remove-key requests, not %s", r.Kind)
	}
	return nil
}

// ErrSecretOutsideAuthKey refuses a request that carries a Tailscale
// secret (tskey-…) in a field that is shown, echoed in errors or
// journaled. Nothing of the request is kept, and the error does not
// repeat it.
var ErrSecretOutsideAuthKey = errors.New("the request carries a Tailscale secret (tskey-...) outside auth_key; it was not shown, journaled or kept: wrap a pre-auth key with kind wrap-authkey, and revoke the key if others may have seen it")

// CarriesSecret reports whether any field but AuthKey holds a Tailscale
// key (tskey-auth-…, tskey-client-…, …): a node key field is where a
// user of `tailscale lock sign` pastes one by mistake.
func (r *Request) CarriesSecret() bool {
	c := *r
	c.AuthKey = ""
	b, _ := json.Marshal(c)
	return LooksLikeSecret(string(b))
}

// LooksLikeSecret reports whether s holds a Tailscale key (tskey-…).
func LooksLikeSecret(s string) bool {
	return strings.Contains(strings.ToLower(s), "tskey-")
}

var kinds = []Kind{KindSignNode, KindWrapAuthKey, KindAddKey, KindRemoveKey, KindUpdateKey, KindCheckpoint, KindCosign, KindBatch}

// fingerprint is a hash of everything in the request, so a replayed ID
// can be told from an ID reused for another request. The auth key is
// hashed first, so the fingerprint of two requests never reveals it.
func (r *Request) fingerprint() string {
	c := *r
	if c.AuthKey != "" {
		c.AuthKey = SecretDigest(c.AuthKey)
	}
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// short trims untrusted text for an error message.
func short(s string) string {
	if len(s) > 64 {
		s = s[:61] + "..."
	}
	return fmt.Sprintf("%q", s)[1 : len(fmt.Sprintf("%q", s))-1]
}
