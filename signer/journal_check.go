package signer

import (
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrSecretInRecord means a record about to be journaled holds what looks
// like a secret. The record is refused; journal SecretDigest(secret).
var ErrSecretInRecord = errors.New("record holds what looks like a secret; journal its SecretDigest instead")

// secretMarkers are the text forms of secrets signet may handle: auth keys
// (plain and wrapped), disablement secrets and private keys.
var secretMarkers = []string{"tskey-", "disablement-secret:", "nlpriv:", "tlpriv:", "privkey:", "nodekey-priv:"}

// check validates what the caller sets in a record. Seq, Time, Prev and
// Hash are filled by Append and ignored here.
func (r *Record) check() error {
	switch r.Type {
	case RecReceived, RecDecision, RecIssued, RecReleased, RecDelivered, RecNote, RecFailed:
	default:
		return fmt.Errorf("unknown record type %q", r.Type)
	}
	if r.RequestID == "" && r.Type != RecNote {
		return fmt.Errorf("a %s record needs a RequestID", r.Type)
	}
	if (r.Type == RecDecision) != (r.Outcome != "") {
		return errors.New("Outcome is set on decision records, and only on them")
	}
	if r.Type == RecIssued && r.SigHash == "" {
		return errors.New("an issued record needs the SigHash of what it released")
	}
	for name, v := range map[string]string{"Digest": r.Digest, "SigHash": r.SigHash} {
		if _, err := hex.DecodeString(v); err != nil {
			return fmt.Errorf("%s is not hex", name)
		}
	}
	return r.checkSecrets()
}

// checkSecrets refuses any field that looks like a secret, naming the
// field but never repeating its value.
func (r *Record) checkSecrets() error {
	fields := map[string]string{
		"RequestID": r.RequestID, "Kind": string(r.Kind), "Requester": r.Requester,
		"Digest": r.Digest, "Outcome": string(r.Outcome), "SigHash": r.SigHash,
	}
	for k, v := range r.Detail {
		if looksSecret(k) {
			return fmt.Errorf("a Detail key: %w", ErrSecretInRecord)
		}
		fields["Detail["+k+"]"] = v
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if looksSecret(fields[name]) {
			return fmt.Errorf("%s: %w", name, ErrSecretInRecord)
		}
	}
	return nil
}

func looksSecret(s string) bool {
	s = strings.ToLower(s)
	for _, m := range secretMarkers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
