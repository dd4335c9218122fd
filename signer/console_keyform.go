package signer

import "strings"

// shortGroups is how many groups of four hex digits ShortKey keeps from
// each end of a key: 2 x 12 digits, 96 bits, which nobody can grind a
// look-alike key for.
const shortGroups = 3

// ShortKey returns a key's short form, for comparing it at a glance with
// what the device prints (`tailscale lock status` prints nodekey:HEX and
// tlpub:HEX): the prefix, then the first and the last 12 hex digits in
// groups of four, exactly as they appear in the full key:
//
//	nodekey:0123 4567 89ab ... 4567 89ab cdef
//
// Text that is not a prefix and at least 24 hex digits is returned as it
// is.
func ShortKey(full string) string {
	prefix, digits, ok := strings.Cut(full, ":")
	n := 4 * shortGroups
	if !ok || prefix == "" || len(digits) < 2*n || strings.Trim(digits, "0123456789abcdef") != "" {
		return full
	}
	return prefix + ":" + groups(digits[:n]) + " ... " + groups(digits[len(digits)-n:])
}

// groups puts a space after every four characters of s.
func groups(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}
