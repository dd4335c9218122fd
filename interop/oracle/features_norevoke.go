//go:build tka_no_revoke

package main

// Releases before v1.60 have no tka.Authority.MakeRetroactiveRevocation.
func (a *authority) revoke(*request) *response {
	return &response{Err: "oracle: this release has no MakeRetroactiveRevocation"}
}
