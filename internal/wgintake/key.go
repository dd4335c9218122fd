// Package wgintake runs signet's WireGuard intake: a userspace WireGuard
// device on a gVisor netstack (no kernel module, no root network setup)
// through which a fixed list of peers reaches the box's request API.
//
// # Trust
//
// WireGuard drops every packet that is not from a configured peer's key,
// and checks that a peer's inner source address is one of its allowed
// addresses. So the tunnel source address of a connection names its peer:
// [Tunnel.PeerName] maps it back.
package wgintake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/crypto/curve25519"

	"github.com/signetbox/signet/internal/durable"
)

// Key is a WireGuard Curve25519 key, private or public.
type Key [32]byte

// GenerateKey makes a new clamped private key.
func GenerateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("reading randomness for a WireGuard key: %w", err)
	}
	k[0] &= 248
	k[31] = k[31]&127 | 64
	return k, nil
}

// Public returns the public key of a private key.
func (k Key) Public() Key {
	var pub Key
	curve25519.ScalarBaseMult((*[32]byte)(&pub), (*[32]byte)(&k))
	return pub
}

// String is the base64 form wg(8) uses.
func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// hex is the form the device's configuration protocol uses.
func (k Key) hex() string { return hex.EncodeToString(k[:]) }

// ParseKey reads a base64 key as wg(8) prints it.
func ParseKey(s string) (Key, error) {
	var k Key
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != len(k) {
		return Key{}, errors.New("not a WireGuard key (44 characters of base64)")
	}
	copy(k[:], b)
	return k, nil
}

// WritePrivateKey creates path (mode 0600, never over an existing file)
// holding a new private key, and returns the key.
func WritePrivateKey(path string) (Key, error) {
	k, err := GenerateKey()
	if err != nil {
		return Key{}, err
	}
	data := []byte(k.String() + "\n")
	defer clear(data)
	if err := durable.Create(path, data, 0o600); err != nil {
		return Key{}, fmt.Errorf("creating the WireGuard key file: %w", err)
	}
	return k, nil
}

// ReadPrivateKey reads a key file written by [WritePrivateKey]. A file
// that others may read is refused.
func ReadPrivateKey(path string) (Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Key{}, fmt.Errorf("reading the WireGuard key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("the WireGuard key %s has mode %04o; it must be 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("reading the WireGuard key: %w", err)
	}
	defer clear(b)
	k, err := ParseKey(string(b))
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
