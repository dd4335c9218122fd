package ceremony

// Rules for this file, as for secrets.go: a typed disablement secret is
// held in byte slices (never a string), every copy is wiped, and errors
// name what was wrong with it, never its digits.

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

// ErrSecretForm is the error for input that is not a disablement secret.
var ErrSecretForm = errors.New("the input is not a disablement secret; type it as disablement-secret: and 64 hex digits")

// ParseSecret decodes "disablement-secret:HEX" (the prefix is optional
// unless needPrefix), the form formatSecret prints, into a SecretLen-byte
// secret the caller wipes. Spaces around and between groups of digits are
// skipped, and the hex digits may be in either case.
func ParseSecret(line []byte, needPrefix bool) ([]byte, error) {
	line = bytes.TrimSpace(line)
	rest, ok := bytes.CutPrefix(line, []byte(tka.PrefixDisablementSecret))
	if !ok && needPrefix {
		return nil, ErrSecretForm
	}
	digits := make([]byte, 0, len(rest))
	defer func() { hsm.Wipe(digits) }()
	for _, c := range rest {
		if c != ' ' && c != '\t' {
			digits = append(digits, c)
		}
	}
	out := make([]byte, len(digits)/2)
	if _, err := hex.Decode(out, digits); err != nil || len(digits)%2 != 0 || len(out) == 0 {
		hsm.Wipe(out)
		return nil, ErrSecretForm
	}
	if len(out) != SecretLen {
		n := len(digits)
		hsm.Wipe(out)
		return nil, hinted(fmt.Errorf("the disablement secret has %d hex digits, want %d", n, 2*SecretLen),
			"check the copy for a missing or extra digit")
	}
	return out, nil
}

// MatchDisablement returns the 1-based index of value in values (the
// authority's disablement values), or 0. It compares every value in
// constant time, whichever one matches.
func MatchDisablement(values [][]byte, value []byte) int {
	found := 0
	for i, v := range values {
		found = subtle.ConstantTimeSelect(subtle.ConstantTimeCompare(v, value), i+1, found)
	}
	return found
}
