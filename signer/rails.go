package signer

import "fmt"

// MinTrustedKeys is the fewest trusted keys a key change may leave the
// authority with, unless the operator overrides the rail on the console:
// with one key, losing that key's hardware loses the tailnet's lock.
const MinTrustedKeys = 2

// KeyCountRail names the safety rail a change breaks when it leaves the
// authority with n trusted keys, or returns "" when n is enough. The
// daemon checks it on every key change, and the rotation and revocation
// plans (package keyplan) show the same words before anything is sent.
func KeyCountRail(n int) string {
	if n >= MinTrustedKeys {
		return ""
	}
	return fmt.Sprintf("the change leaves the authority with %d trusted key(s), fewer than two; keep at least two", n)
}
