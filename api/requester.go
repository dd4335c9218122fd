package api

import "strings"

// wireGuardPrefix starts the requester label of a peer that came through
// the WireGuard intake (a relay). The label is journaled, rate-limited
// under and shown on the console, so its form is part of the contract.
const wireGuardPrefix = "wireguard:"

// WireGuardRequester is the requester label of the WireGuard peer named
// name, e.g. "wireguard:relay".
func WireGuardRequester(name string) string { return wireGuardPrefix + name }

// WireGuardPeer reports whether requester is a WireGuard peer's label
// and, if it is, the peer's name.
func WireGuardPeer(requester string) (name string, ok bool) {
	return strings.CutPrefix(requester, wireGuardPrefix)
}
