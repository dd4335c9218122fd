package api

import (
	"crypto/rand"
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

// Kind names a kind of signing request.
type Kind string

// Request kinds.
const (
	KindSignNode    Kind = "sign-node"    // a direct signature over a node key
	KindWrapAuthKey Kind = "wrap-authkey" // a credential inside a pre-auth key
	KindAddKey      Kind = "add-key"      // an AUM adding a trusted key
	KindRemoveKey   Kind = "remove-key"   // an AUM removing a trusted key
	KindUpdateKey   Kind = "update-key"   // an AUM changing a key's votes or metadata
	KindCheckpoint  Kind = "checkpoint"   // an AUM carrying the whole state
	KindCosign      Kind = "cosign"       // a signature added to a recovery AUM
	KindBatch       Kind = "batch"        // many node keys signed after one review
)

// kinds are the kinds the API takes, in the order errors list them.
var kinds = []Kind{KindSignNode, KindWrapAuthKey, KindAddKey, KindRemoveKey, KindUpdateKey, KindCheckpoint, KindCosign, KindBatch}

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

// ErrInvalidID refuses a request ID that ValidID does not take.
var ErrInvalidID = errors.New("the request id must be 1 to 64 letters, digits or . _ : -")

// NewRequestID returns a random request ID.
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Prepare gives r a random ID if it has none and checks what a client
// can check before sending it: the ID's form (ErrInvalidID) and that no
// Tailscale secret sits outside auth_key (ErrSecretOutsideAuthKey).
func (r *Request) Prepare() error {
	if r.ID == "" {
		r.ID = NewRequestID()
	}
	if !ValidID(r.ID) {
		return ErrInvalidID
	}
	if r.CarriesSecret() {
		return ErrSecretOutsideAuthKey
	}
	return nil
}

// DecodeRequest reads one JSON request of at most limit bytes, refusing
// unknown fields and trailing data.
func DecodeRequest(r io.Reader, limit int64) (*Request, error) {
	var req Request
	if err := DecodeStrict(r, limit, "the request", &req); err != nil {
		if _, ok := errors.AsType[*TooLargeError](err); ok {
			return nil, fmt.Errorf("%w; split a batch into smaller ones", err)
		}
		return nil, err
	}
	if req.CarriesSecret() {
		return nil, ErrSecretOutsideAuthKey
	}
	if !ValidID(req.ID) {
		return nil, ErrInvalidID
	}
	if !slices.Contains(kinds, req.Kind) {
		return nil, fmt.Errorf("unknown request kind %q (known: %v)", Short(string(req.Kind)), kinds)
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

// Short trims untrusted text for an error message: at most 64 bytes,
// quoted as Go would (without the quotes), so it cannot carry control
// characters.
func Short(s string) string {
	if len(s) > 64 {
		s = s[:61] + "..."
	}
	q := fmt.Sprintf("%q", s)
	return q[1 : len(q)-1]
}
