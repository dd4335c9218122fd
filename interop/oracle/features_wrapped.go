//go:build !tka_no_wrapped

package main

import (
	"go4.org/mem"
	ts "tailscale.com/tka"
	"tailscale.com/types/key"
)

func init() { features = append(features, "wrapped") }

// wrapped takes a wrapped pre-auth key apart as tailscaled does when it
// registers with one, and signs nodeKey with its credential.
func wrapped(text string, nodeKey []byte) *response {
	authKey, isWrapped, cred, priv := ts.DecodeWrappedAuthkey(text, func(string, ...any) {})
	if !isWrapped {
		return &response{Text: authKey, Err: "not a wrapped pre-auth key"}
	}
	sig, err := ts.SignByCredential(priv, cred, key.NodePublicFromRaw32(mem.B(nodeKey)))
	if err != nil {
		return &response{Text: authKey, Err: err.Error()}
	}
	return &response{Text: authKey, OK: true, Enc: cred.Serialize(), Private: priv, Out: sig}
}
