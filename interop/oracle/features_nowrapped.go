//go:build tka_no_wrapped

package main

// Releases before v1.70 decode wrapped pre-auth keys inside
// control/controlclient, unexported.
func wrapped(string, []byte) *response {
	return &response{Err: "oracle: this release has no tka.DecodeWrappedAuthkey"}
}
