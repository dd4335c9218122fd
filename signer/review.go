package signer

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/signetbox/signet/hsm"
)

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

// Claim is a label that came with a request and that nobody verified (a
// device name, an OS, a login name). Value is raw: whoever shows it must
// neutralise control characters and escape sequences.
type Claim struct {
	Name, Value string
}

// Review is everything the console shows for one request before a person
// approves or denies it. Every field but Claims is computed by signet from
// the request and the authority, and can be trusted.
type Review struct {
	ID         string    // the request's ID
	Kind       Kind      // what kind of request
	Requester  string    // who asked: uid, pid and process, or a peer name
	Summary    []string  // exactly what gets signed, one fact per line
	Effect     []string  // for an AUM: what it does to the trusted keys
	Claims     []Claim   // unverified labels from the request
	Items      []string  // for a batch: one line per node key
	Digest     string    // hex SHA-256 over what gets signed
	Head       string    // the authority's head AUM hash
	SigningKey string    // tlpub: of the key that will sign, and its backend
	Code       string    // what the operator must type to approve
	Insecure   bool      // the key is a software key: show a warning
	Override   string    // if not empty, a safety rail this approval overrides
	Deadline   time.Time // after this the request is denied
}

// Outcome is how a review ended.
type Outcome string

// Outcomes of a review. Only OutcomeApproved lets a request be signed.
const (
	OutcomeApproved  Outcome = "approved"
	OutcomeDenied    Outcome = "denied"     // the operator pressed the deny key
	OutcomeWrongCode Outcome = "wrong-code" // a code was typed and it was not the one shown
	OutcomeEmpty     Outcome = "empty"      // Enter alone
	OutcomeTimeout   Outcome = "timeout"    // the deadline passed
	OutcomeStale     Outcome = "stale"      // the chain moved and it no longer applies; not signed
)

// Decision is the operator's answer to a Review.
type Decision struct {
	Outcome Outcome
	// Operator is free text the console may record (e.g. the tty); never
	// a secret.
	Operator string
}

// Approved reports whether the decision lets the request be signed.
func (d Decision) Approved() bool { return d.Outcome == OutcomeApproved }

// Prompt is the box's console. It shows one review at a time, asks PINs
// without echo, and shows notices such as "touch the key now". It must
// deny by default: any error, a cancelled ctx or a passed deadline is a
// denial.
type Prompt interface {
	// Confirm shows r and waits for the operator's decision.
	Confirm(ctx context.Context, r Review) (Decision, error)
	// Notify shows a one-line notice (never a secret).
	Notify(msg string)
	// PIN asks for a PIN or passphrase on the console, without echo.
	hsm.PINPrompt
}

// codeAlphabet leaves out characters that read alike (0/O, 1/I).
var codeAlphabet = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// ApprovalCode derives the short code the operator types to approve: six
// characters from the SHA-256 of the request's digest and ID, shown as
// XXX-XXX. A code approves exactly one request.
func ApprovalCode(digest []byte, id string) string {
	h := sha256.New()
	h.Write([]byte("signet approval code v1\x00"))
	h.Write(digest)
	h.Write([]byte(id))
	c := codeAlphabet.EncodeToString(h.Sum(nil))[:6]
	return c[:3] + "-" + c[3:]
}

// CodeMatches compares a typed code with the expected one, ignoring case,
// spaces and dashes.
func CodeMatches(typed, code string) bool {
	norm := func(s string) string {
		s = strings.ToUpper(s)
		return strings.NewReplacer("-", "", " ", "", "\t", "").Replace(s)
	}
	return typed != "" && norm(typed) == norm(code)
}
