package tka

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// The types below are the JSON of `tailscale lock log --json`, schema
// version 1, field for field, so that tools written for it read ours.

type logJSONV1 struct {
	SchemaVersion string
	Messages      []logMessageV1
}

type logMessageV1 struct {
	Hash string        // base32 AUM hash
	AUM  expandedAUMV1 // the AUM's fields, readable
	Raw  string        // the AUM's bytes, base64url
}

type expandedAUMV1 struct {
	MessageKind string
	PrevAUMHash string            `json:",omitzero"`
	Key         keyV1             `json:",omitzero"`
	KeyID       string            `json:",omitzero"`
	State       stateV1           `json:",omitzero"`
	Votes       uint              `json:",omitzero"`
	Meta        map[string]string `json:",omitzero"`
	Signatures  []signatureV1     `json:",omitzero"`
}

type keyV1 struct {
	Kind   string `json:",omitzero"`
	Votes  uint
	Public string
	Meta   map[string]string `json:",omitzero"`
}

type stateV1 struct {
	LastAUMHash       string `json:",omitzero"`
	DisablementValues []string
	Keys              []keyV1
	StateID1          uint64
	StateID2          uint64
}

type signatureV1 struct {
	KeyID     string
	Signature string // base64url
}

// MarshalLogJSON is aums (in the given order) as `tailscale lock log
// --json` prints them, schema version 1, byte for byte, so that tools
// written for it read ours; ParseLogJSON reads it back.
func MarshalLogJSON(aums []*AUM) ([]byte, error) {
	doc := logJSONV1{SchemaVersion: "1", Messages: make([]logMessageV1, len(aums))}
	for i, u := range aums {
		raw := u.Serialize()
		doc.Messages[i] = logMessageV1{Hash: u.Hash().String(), AUM: expandAUM(u), Raw: base64.URLEncoding.EncodeToString(raw)}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding the log: %w", err)
	}
	return b.Bytes(), nil
}

func expandAUM(u *AUM) expandedAUMV1 {
	x := expandedAUMV1{MessageKind: u.MessageKind.String(), KeyID: tlpubOrEmpty(u.KeyID), Meta: u.Meta}
	if p, ok := u.Parent(); ok {
		x.PrevAUMHash = p.String()
	}
	if u.Key != nil {
		x.Key = expandKey(u.Key)
	}
	if s := u.State; s != nil {
		if s.LastAUMHash != nil {
			x.State.LastAUMHash = s.LastAUMHash.String()
		}
		for _, v := range s.DisablementValues {
			x.State.DisablementValues = append(x.State.DisablementValues, fmt.Sprintf("%x", v))
		}
		for i := range s.Keys {
			x.State.Keys = append(x.State.Keys, expandKey(&s.Keys[i]))
		}
		x.State.StateID1, x.State.StateID2 = s.StateID1, s.StateID2
	}
	if u.Votes != nil {
		x.Votes = *u.Votes
	}
	for _, s := range u.Signatures {
		x.Signatures = append(x.Signatures, signatureV1{KeyID: fmt.Sprintf("tlpub:%x", s.KeyID), Signature: base64.URLEncoding.EncodeToString(s.Signature)})
	}
	return x
}

func expandKey(k *Key) keyV1 {
	return keyV1{Kind: k.Kind.String(), Votes: k.Votes, Public: fmt.Sprintf("tlpub:%x", k.Public), Meta: k.Meta}
}

// tlpubOrEmpty formats a key ID the way tailscale does: a nil ID is left
// out, a non-nil one is printed even if empty.
func tlpubOrEmpty(id KeyID) string {
	if id == nil {
		return ""
	}
	return fmt.Sprintf("tlpub:%x", []byte(id))
}
