//go:build !tka_no_revoke

package main

import (
	ts "tailscale.com/tka"
	"tailscale.com/types/tkatype"
)

func init() { features = append(features, "revoke") }

// revoke builds the recovery AUM `tailscale lock revoke-keys` starts
// with.
func (a *authority) revoke(req *request) *response {
	remove := make([]tkatype.KeyID, len(req.List))
	for i, id := range req.List {
		remove[i] = tkatype.KeyID(id)
	}
	var fork ts.AUMHash
	copy(fork[:], req.ForkFrom)
	u, err := a.a.MakeRetroactiveRevocation(a.st, remove, tkatype.KeyID(req.KeyID), fork)
	if err != nil {
		return &response{Err: err.Error()}
	}
	return &response{Enc: u.Serialize()}
}
