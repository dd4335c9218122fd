package signer

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
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
	Kind       api.Kind  // what kind of request
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

	// Compare lists the keys (nodekey:…, tlpub:…) the operator should
	// compare with what the device itself prints; the console shows each
	// also in its short form (ShortKey).
	Compare []string
	// Via names how a request reached the box when a person cannot see
	// where it came from ("a sign-device link"); empty for the rest. A
	// Requester named "wireguard:…" came through the relay.
	Via string
	// Signed is text from the request that is signed as given (key
	// metadata). Like Claims it is shown escaped, under its own heading.
	Signed []Claim
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

// codeLen is the approval code's length in symbols of codeAlphabet: 8
// symbols of 5 bits, 40 bits, shown as XXXX-XXXX.
//
// NOTE(review): the code proves that whoever typed it read the screen, so
// it must not be guessable by a keystroke injector that cannot. A wrong
// code denies, so each review gets one guess, and each guess costs the
// attacker a new request: at most Policy.RatePerMinute (60) a minute per
// requester, one review at a time on the console, each wrong guess
// journaled and shown. At 60 a minute for a year a requester wins with
// probability 3.2e7/2^40 = 2.9e-5; even at the console's best speed (a
// few hundred reviews a second, each with two fsync'd journal records)
// a whole day of guessing wins with probability about 2.4e-5. Six
// symbols (30 bits) would give 3% a year at the rate limit. The review
// timeout does not slow a guesser, who ends each review at once.
const codeLen = 8

// ApprovalCode derives the code the operator types to approve from a
// secret drawn for this one showing of a review, the request's digest and
// its ID: codeLen symbols of HMAC-SHA256(secret, digest, id), shown as
// XXXX-XXXX. Without the secret, which only the console shows (as the
// code), nothing the requester knows predicts it.
func ApprovalCode(secret, digest []byte, id string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("signet approval code v2\x00"))
	m.Write(digest)
	m.Write([]byte{0})
	m.Write([]byte(id))
	c := codeAlphabet.EncodeToString(m.Sum(nil))[:codeLen]
	return c[:codeLen/2] + "-" + c[codeLen/2:]
}

// newApprovalCode draws a fresh 32-byte secret from crypto/rand and
// derives the code for one showing of a review. The secret is wiped;
// neither it nor the code is ever journaled.
func newApprovalCode(digest []byte, id string) (string, error) {
	secret := make([]byte, 32)
	defer clear(secret)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("drawing the approval code: %w", err)
	}
	return ApprovalCode(secret, digest, id), nil
}

// CodeMatches compares a typed code with the expected one in constant
// time, ignoring case, spaces and dashes.
func CodeMatches(typed, code string) bool {
	norm := func(s string) []byte {
		s = strings.ToUpper(s)
		return []byte(strings.NewReplacer("-", "", " ", "", "\t", "").Replace(s))
	}
	t, c := norm(typed), norm(code)
	return len(c) > 0 && subtle.ConstantTimeCompare(t, c) == 1
}
