package soft

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/keyfile"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

func init() {
	hsm.Register("soft", func(ctx context.Context, u hsm.URI, pins hsm.PINPrompt) (hsm.Key, error) {
		return Open(ctx, u.Path, pins)
	})
}

// Create makes a new Ed25519 key, encrypts its seed with a passphrase asked
// from pins and writes it to path (0600, atomically). It refuses to replace
// an existing file.
func Create(ctx context.Context, path string, pins hsm.PINPrompt) (ed25519.PublicKey, error) {
	pass, err := hsm.AskPIN(ctx, pins, "set the passphrase of the new software key")
	if err != nil {
		return nil, err
	}
	defer hsm.Wipe(pass)
	if err := checkNewPassphrase(pass); err != nil {
		return nil, err
	}
	seed := make([]byte, ed25519.SeedSize)
	defer hsm.Wipe(seed)
	rand.Read(seed)
	priv := ed25519.NewKeyFromSeed(seed)
	defer hsm.Wipe(priv)
	// Copy the public half: priv is wiped on return.
	f := seal(bytes.Clone(priv[ed25519.SeedSize:]), seed, pass)
	if err := keyfile.Create(path, f.marshal()); err != nil {
		return nil, err
	}
	return f.public, nil
}

func newAEAD(f *file, pass []byte) interface {
	Seal(dst, nonce, plaintext, ad []byte) []byte
	Open(dst, nonce, ciphertext, ad []byte) ([]byte, error)
} {
	k := argon2.IDKey(pass, f.salt[:], f.kdf.Time, f.kdf.Memory, f.kdf.Threads, chacha20poly1305.KeySize)
	defer hsm.Wipe(k)
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		panic(err) // unreachable: the key has the right length
	}
	return aead
}

// Key is an open software key. It holds the private key in a locked
// [hsm.Secret] from Open until Close: a software key has no PIN to ask at
// signing time, which is why it is for development only.
type Key struct {
	path string
	pub  ed25519.PublicKey

	mu   sync.Mutex
	priv *hsm.Secret // the expanded key (hsm.ExpandSeed); nil after Close
}

var _ hsm.Key = (*Key)(nil)

// Open reads the key file at path, asks pins for its passphrase and decrypts
// the seed. It refuses files that other users can read.
func Open(ctx context.Context, path string, pins hsm.PINPrompt) (*Key, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, err
	}
	pass, err := hsm.AskSecret(ctx, pins, "unlock the software signing key")
	if err != nil {
		return nil, err
	}
	defer pass.Close()
	var seed []byte
	hsm.Erasing(func() { seed, err = unseal(path, f, pass.Bytes()) })
	if wrong := (*WrongPassphraseError)(nil); errors.As(err, &wrong) {
		hsm.ForgetPIN(pins)
		return nil, fmt.Errorf("soft key %s: %w", path, &hsm.WrongPINError{TriesLeft: -1})
	}
	if err != nil {
		return nil, err
	}
	defer hsm.Wipe(seed)
	var priv *hsm.Secret
	hsm.Erasing(func() { priv, err = hsm.ExpandSeed(seed, f.public) })
	if err != nil {
		return nil, fmt.Errorf("soft key %s: the decrypted seed does not match the file's public key: %w; restore it from a backup or create a new key", path, hsm.ErrCorruptBlob)
	}
	return &Key{path: path, pub: f.public, priv: priv}, nil
}

func readFile(path string) (*file, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening soft key: %w", err)
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("opening soft key: %w", err)
	}
	if err := keyfile.CheckMode(path, fi); err != nil {
		return nil, err
	}
	b := make([]byte, fileLen+1)
	n, _ := fd.ReadAt(b, 0)
	return parse(path, b[:n])
}

// PublicKey returns the key's Ed25519 public key.
func (k *Key) PublicKey() ed25519.PublicKey { return k.pub }

// Sign signs hash and verifies the signature before returning it.
func (k *Key) Sign(ctx context.Context, hash [32]byte) ([]byte, error) {
	sigs, err := k.signMany(ctx, [][32]byte{hash}, nil)
	if err != nil {
		return nil, err
	}
	return sigs[0], nil
}

// signMany signs hashes and verifies them in one batch.
func (k *Key) signMany(ctx context.Context, hashes [][32]byte, progress func(int)) ([][]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.priv == nil {
		return nil, errors.New("soft key is closed; open it again")
	}
	sigs, err := hsm.SignManyVerified(ctx, k.pub, hashes, progress, func(h [32]byte) (sig []byte, err error) {
		hsm.Erasing(func() { sig, err = hsm.SignExpanded(k.priv, h[:]) })
		return sig, err
	})
	if err != nil && !errors.Is(err, hsm.ErrCanceled) {
		return nil, fmt.Errorf("soft key %s: %w", k.path, err)
	}
	return sigs, err
}

// Summary is the attestation summary of every software key.
const Summary = "software key, no attestation: INSECURE, for development and CI only"

// Attest reports that a software key proves nothing.
func (k *Key) Attest(ctx context.Context) (hsm.Attestation, error) {
	return hsm.Attestation{
		Backend: "soft",
		Summary: Summary,
		Facts:   map[string]string{"path": k.path, "kdf": "argon2id", "cipher": "xchacha20-poly1305"},
	}, nil
}

// Status reports a software key as present with unlimited passphrase tries.
func (k *Key) Status(ctx context.Context) (hsm.Status, error) {
	return hsm.Status{Present: true, PINRetries: -1, MaxTries: -1, Policy: "passphrase (software key, insecure)"}, nil
}

// Close wipes the private key from memory.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.priv.Close()
	k.priv = nil
	return nil
}

// Unlock returns a session that signs with the open key. A software key
// was unlocked by its passphrase at Open, so nothing is asked and why is
// not shown; the session exists so callers treat every backend alike.
func (k *Key) Unlock(ctx context.Context, why string) (hsm.Session, error) {
	if ctx.Err() != nil {
		return nil, hsm.Canceled(ctx)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.priv == nil {
		return nil, errors.New("soft key is closed; open it again")
	}
	return &session{k: k}, nil
}

// session is a software key's unlock session.
type session struct {
	k      *Key
	mu     sync.Mutex
	closed bool
}

func (s *session) PublicKey() ed25519.PublicKey { return s.k.pub }

// Sign signs with the key, until Close.
func (s *session) Sign(ctx context.Context, hash [32]byte) ([]byte, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("soft key %s: %w", s.k.path, hsm.ErrSessionClosed)
	}
	return s.k.Sign(ctx, hash)
}

// SignMany signs hashes with the key, until Close.
func (s *session) SignMany(ctx context.Context, hashes [][32]byte, progress func(int)) ([][]byte, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("soft key %s: %w", s.k.path, hsm.ErrSessionClosed)
	}
	return s.k.signMany(ctx, hashes, progress)
}

// Close ends the session; the key stays open.
func (s *session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
