package soft

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"

	"github.com/signetbox/signet/hsm"
	"golang.org/x/crypto/chacha20poly1305"
)

// File layout, version 1 (big-endian). Do NOT reorder.
//
//	[0:8]     magic "SGNTSOFT"
//	[8]       version, 1
//	[9:13]    Argon2id time (passes)
//	[13:17]   Argon2id memory in KiB
//	[17]      Argon2id threads
//	[18:34]   Argon2id salt
//	[34:58]   XChaCha20-Poly1305 nonce
//	[58:90]   Ed25519 public key
//	[90:138]  sealed seed: 32 bytes + 16-byte tag, additional data = [0:90]
//	[138:170] SHA-256 of [0:138], to tell damage from a wrong passphrase
const (
	magic      = "SGNTSOFT"
	version    = 1
	headerLen  = 90
	sealedLen  = ed25519.SeedSize + chacha20poly1305.Overhead
	bodyLen    = headerLen + sealedLen
	fileLen    = bodyLen + sha256.Size
	saltLen    = 16
	maxTime    = 16
	maxMemory  = 1 << 20 // KiB: 1 GiB, so a forged file cannot exhaust memory
	minMemory  = 8
	maxThreads = 16
)

// kdfParams are the Argon2id parameters stored in a key file.
type kdfParams struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// defaultKDF follows RFC 9106's second recommended option (64 MiB, 3 passes).
var defaultKDF = kdfParams{Time: 3, Memory: 64 << 10, Threads: 4}

// testOnlyKDF, when non-nil, replaces defaultKDF for new files in tests.
var testOnlyKDF *kdfParams

// file is a decoded key file.
type file struct {
	kdf    kdfParams
	salt   [saltLen]byte
	nonce  [chacha20poly1305.NonceSizeX]byte
	public ed25519.PublicKey
	sealed []byte
}

func (f *file) header() []byte {
	b := make([]byte, 0, fileLen)
	b = append(b, magic...)
	b = append(b, version)
	b = binary.BigEndian.AppendUint32(b, f.kdf.Time)
	b = binary.BigEndian.AppendUint32(b, f.kdf.Memory)
	b = append(b, f.kdf.Threads)
	b = append(b, f.salt[:]...)
	b = append(b, f.nonce[:]...)
	return append(b, f.public...)
}

func (f *file) marshal() []byte {
	b := append(f.header(), f.sealed...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

func parse(path string, b []byte) (*file, error) {
	damaged := func(what string) error {
		return fmt.Errorf("soft key %s: %s: %w; restore it from a backup or create a new key", path, what, hsm.ErrCorruptBlob)
	}
	if len(b) < len(magic) || !bytes.Equal(b[:len(magic)], []byte(magic)) {
		return nil, damaged("not a signet software key (bad magic)")
	}
	if len(b) > len(magic) && b[len(magic)] != version {
		return nil, fmt.Errorf("soft key %s has version %d, this signet reads version %d; upgrade signet", path, b[len(magic)], version)
	}
	if len(b) != fileLen {
		return nil, damaged(fmt.Sprintf("%d bytes, want %d (truncated or extended)", len(b), fileLen))
	}
	sum := sha256.Sum256(b[:bodyLen])
	if subtle.ConstantTimeCompare(sum[:], b[bodyLen:]) != 1 {
		return nil, damaged("checksum mismatch")
	}
	f := &file{
		kdf: kdfParams{
			Time:    binary.BigEndian.Uint32(b[9:13]),
			Memory:  binary.BigEndian.Uint32(b[13:17]),
			Threads: b[17],
		},
		public: ed25519.PublicKey(bytes.Clone(b[58:90])),
		sealed: bytes.Clone(b[90:138]),
	}
	copy(f.salt[:], b[18:34])
	copy(f.nonce[:], b[34:58])
	if err := f.kdf.check(); err != nil {
		return nil, damaged(err.Error())
	}
	return f, nil
}

func (p kdfParams) check() error {
	if p.Time < 1 || p.Time > maxTime || p.Memory < minMemory || p.Memory > maxMemory ||
		p.Threads < 1 || p.Threads > maxThreads {
		return fmt.Errorf("argon2id parameters out of range (time %d, memory %d KiB, threads %d)", p.Time, p.Memory, p.Threads)
	}
	return nil
}
