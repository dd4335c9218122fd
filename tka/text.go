package tka

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Text prefixes the stock client prints and reads.
const (
	// PrefixTLPub marks a tailnet-lock public key.
	PrefixTLPub = "tlpub:"
	// prefixNLPub is the older spelling of PrefixTLPub, still accepted.
	prefixNLPub = "nlpub:"
	// PrefixNodeKey marks a node public key.
	PrefixNodeKey = "nodekey:"
	// PrefixDisablement marks a disablement value (a KDF output).
	PrefixDisablement = "disablement:"
	// PrefixDisablementSecret marks a disablement secret.
	PrefixDisablementSecret = "disablement-secret:"
	// nodeKeyBinaryPrefix starts the binary form of a node key.
	nodeKeyBinaryPrefix = "np"
)

// NodeKey is a node's WireGuard public key.
type NodeKey [32]byte

// String returns the key as nodekey:<hex>.
func (k NodeKey) String() string { return PrefixNodeKey + hex.EncodeToString(k[:]) }

// Binary returns the binary form used in signatures: "np" + 32 bytes.
func (k NodeKey) Binary() []byte { return append([]byte(nodeKeyBinaryPrefix), k[:]...) }

// ParseNodeKey parses nodekey:<64 hex digits>.
func ParseNodeKey(s string) (NodeKey, error) {
	var k NodeKey
	rest, ok := strings.CutPrefix(s, PrefixNodeKey)
	if !ok {
		return k, fmt.Errorf("node key %q does not start with %q", short(s), PrefixNodeKey)
	}
	if _, err := decodeHexInto(k[:], rest); err != nil {
		return k, fmt.Errorf("node key %q: %w", short(s), err)
	}
	return k, nil
}

// NodeKeyFromBinary parses the binary form "np" + 32 bytes.
func NodeKeyFromBinary(b []byte) (NodeKey, error) {
	var k NodeKey
	if len(b) != 2+len(k) || string(b[:2]) != nodeKeyBinaryPrefix {
		return k, fmt.Errorf("node key must be %q + 32 bytes, got %d bytes", nodeKeyBinaryPrefix, len(b))
	}
	copy(k[:], b[2:])
	return k, nil
}

// FormatTLPub returns pub as tlpub:<hex>.
func FormatTLPub(pub []byte) string { return PrefixTLPub + hex.EncodeToString(pub) }

// ParseTLPub parses tlpub:<64 hex digits> (or the older nlpub:) into an
// Ed25519 public key.
func ParseTLPub(s string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(s, PrefixTLPub)
	if !ok {
		rest, ok = strings.CutPrefix(s, prefixNLPub)
	}
	if !ok {
		return nil, fmt.Errorf("tailnet-lock key %q does not start with %q", short(s), PrefixTLPub)
	}
	pub := make([]byte, ed25519.PublicKeySize)
	if _, err := decodeHexInto(pub, rest); err != nil {
		return nil, fmt.Errorf("tailnet-lock key %q: %w", short(s), err)
	}
	return pub, nil
}

// ParseKeyArg parses a key argument as `tailscale lock` takes it:
// tlpub:<hex>, optionally followed by ?<votes>.
func ParseKeyArg(s string) (Key, error) {
	text, votesText, hasVotes := strings.Cut(s, "?")
	pub, err := ParseTLPub(text)
	if err != nil {
		return Key{}, err
	}
	k := NewEd25519Key(pub, 1)
	if hasVotes {
		v, err := strconv.ParseUint(votesText, 10, 16)
		if err != nil || v == 0 || v > maxKeyVotes {
			return Key{}, fmt.Errorf("key votes %q must be a whole number from 1 to %d", votesText, maxKeyVotes)
		}
		k.Votes = uint(v)
	}
	return k, nil
}

// FormatDisablement returns a disablement value as disablement:<hex>.
func FormatDisablement(v []byte) string { return PrefixDisablement + hex.EncodeToString(v) }

// FormatDisablementSecret returns a secret as disablement-secret:<HEX>, the
// way the stock client prints it.
func FormatDisablementSecret(secret []byte) string {
	return PrefixDisablementSecret + strings.ToUpper(hex.EncodeToString(secret))
}

// ParseDisablement parses disablement:<hex> into a 32-byte value.
func ParseDisablement(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, PrefixDisablement)
	if !ok {
		return nil, fmt.Errorf("disablement value %q does not start with %q", short(s), PrefixDisablement)
	}
	v := make([]byte, disablementLength)
	if _, err := decodeHexInto(v, rest); err != nil {
		return nil, fmt.Errorf("disablement value: %w", err)
	}
	return v, nil
}

// ParseDisablementSecret parses disablement-secret:<hex>. Secrets may have
// any non-zero length; the error never repeats the secret.
func ParseDisablementSecret(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, PrefixDisablementSecret)
	if !ok {
		return nil, fmt.Errorf("disablement secret does not start with %q", PrefixDisablementSecret)
	}
	b, err := hex.DecodeString(rest)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("disablement secret after %q is not hex digits", PrefixDisablementSecret)
	}
	return b, nil
}

// decodeHexInto decodes exactly len(dst) bytes of hex from s.
func decodeHexInto(dst []byte, s string) (int, error) {
	if len(s) != 2*len(dst) {
		return 0, fmt.Errorf("want %d hex digits, got %d", 2*len(dst), len(s))
	}
	n, err := hex.Decode(dst, []byte(s))
	if err != nil {
		return n, fmt.Errorf("not hex: %w", err)
	}
	return n, nil
}

// short trims untrusted text for use in an error message.
func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
