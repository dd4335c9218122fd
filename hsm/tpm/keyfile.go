package tpm

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/google/go-tpm/tpm2"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/keyfile"
)

// Key file layout, version 1 (big-endian). Do NOT reorder.
//
//	[0:8]   magic "SGNTTPM\n"
//	[8]     version, 1
//	[9]     number of PCRs n (1-24), then n bytes: PCR indices, ascending
//	        (bank: sha256)
//	        u16 length, then the SRK's Name (TPM2B_NAME contents)
//	        32 bytes: Ed25519 public key
//	        TPM2B_PUBLIC of the sealed object (u16 size + TPMT_PUBLIC)
//	        TPM2B_PRIVATE of the sealed object (u16 size + blob)
//	last 32 SHA-256 of everything before it, to tell damage from a
//	        foreign TPM before the TPM is asked
//
// The TPM2B_PUBLIC and TPM2B_PRIVATE fields are byte for byte the files
// tpm2_create writes, so tpm2_load -u/-r reads them.
const (
	magic      = "SGNTTPM\n"
	version    = 1
	maxPCR     = 23
	maxKeyFile = 8 << 10
)

// KeyFile is a sealed key as stored on disk. It holds no secret: the seed
// inside Private is encrypted by the TPM's storage hierarchy.
type KeyFile struct {
	// PCRs are the sha256 PCR indices the seal is bound to.
	PCRs []int
	// SRKName is the Name of the storage root key the seal was made under.
	SRKName []byte
	// PublicKey is the Ed25519 public key of the sealed seed.
	PublicKey ed25519.PublicKey
	// Public is the marshaled TPM2B_PUBLIC of the sealed object.
	Public []byte
	// Private is the marshaled TPM2B_PRIVATE of the sealed object.
	Private []byte
}

// Marshal encodes k in the version 1 layout.
func (k *KeyFile) Marshal() []byte {
	b := append([]byte(magic), version, byte(len(k.PCRs)))
	for _, p := range k.PCRs {
		b = append(b, byte(p))
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(k.SRKName)))
	b = append(b, k.SRKName...)
	b = append(b, k.PublicKey...)
	b = append(b, k.Public...)
	b = append(b, k.Private...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// ParseKeyFile decodes a key file; path only labels errors.
func ParseKeyFile(path string, b []byte) (*KeyFile, error) {
	damaged := func(what string) error {
		return fmt.Errorf("tpm key %s: %s: %w; restore it from a backup or provision a new key", path, what, hsm.ErrCorruptBlob)
	}
	if !bytes.HasPrefix(b, []byte(magic)) {
		return nil, damaged("not a signet TPM key (bad magic)")
	}
	if len(b) > len(magic) && b[len(magic)] != version {
		return nil, fmt.Errorf("tpm key %s has version %d, this signet reads version %d; upgrade signet", path, b[len(magic)], version)
	}
	if len(b) < len(magic)+1+sha256.Size {
		return nil, damaged("truncated")
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	want := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(want[:], sum) != 1 {
		return nil, damaged("checksum mismatch (truncated or altered)")
	}
	k, err := decodeBody(body[len(magic)+1:])
	if err != nil {
		return nil, damaged(err.Error())
	}
	return k, nil
}

func decodeBody(r []byte) (*KeyFile, error) {
	short := errors.New("a field runs past the end")
	take := func(n int) ([]byte, error) {
		if n > len(r) {
			return nil, short
		}
		v := r[:n]
		r = r[n:]
		return bytes.Clone(v), nil
	}
	take2B := func() ([]byte, error) {
		if len(r) < 2 {
			return nil, short
		}
		return take(2 + int(binary.BigEndian.Uint16(r)))
	}
	k := &KeyFile{}
	n, err := take(1)
	if err != nil {
		return nil, err
	}
	pcrs, err := take(int(n[0]))
	if err != nil {
		return nil, err
	}
	for _, p := range pcrs {
		k.PCRs = append(k.PCRs, int(p))
	}
	if err := checkPCRs(k.PCRs); err != nil {
		return nil, err
	}
	name, err := take2B()
	if err != nil {
		return nil, err
	}
	k.SRKName = name[2:]
	pub, err := take(ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	k.PublicKey = pub
	if k.Public, err = take2B(); err != nil {
		return nil, err
	}
	if k.Private, err = take2B(); err != nil {
		return nil, err
	}
	if len(r) != 0 {
		return nil, fmt.Errorf("%d unexpected bytes after the sealed object", len(r))
	}
	sealedPub, err := tpm2.Unmarshal[tpm2.TPM2BPublic](k.Public)
	if err == nil {
		_, err = sealedPub.Contents()
	}
	if err != nil {
		return nil, fmt.Errorf("the sealed object's public area does not decode: %w", err)
	}
	return k, nil
}

func checkPCRs(pcrs []int) error {
	if len(pcrs) == 0 || len(pcrs) > maxPCR+1 {
		return fmt.Errorf("the PCR list has %d entries, want 1-%d", len(pcrs), maxPCR+1)
	}
	for i, p := range pcrs {
		if p < 0 || p > maxPCR || (i > 0 && p <= pcrs[i-1]) {
			return fmt.Errorf("the PCR list %v is not ascending indices 0-%d", pcrs, maxPCR)
		}
	}
	return nil
}

// ReadKeyFile reads and decodes the key file at path. It refuses files other
// users can read or write.
func ReadKeyFile(path string) (*KeyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening tpm key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening tpm key: %w", err)
	}
	if err := keyfile.CheckMode(path, fi); err != nil {
		return nil, err
	}
	b := make([]byte, maxKeyFile+1)
	n, _ := f.ReadAt(b, 0)
	if n > maxKeyFile {
		return nil, fmt.Errorf("tpm key %s is larger than %d bytes: %w; is it the right file?", path, maxKeyFile, hsm.ErrCorruptBlob)
	}
	return ParseKeyFile(path, b[:n])
}

// pcrList returns a sorted copy of pcrs.
func pcrList(pcrs []int) []int {
	s := slices.Clone(pcrs)
	slices.Sort(s)
	return slices.Compact(s)
}

func keyfileReplace(path string, b []byte) error { return keyfile.Replace(path, b) }
