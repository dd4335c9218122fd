package tpm

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"

	"github.com/signetbox/signet/hsm"
)

// pinQuestion is what the PIN prompt says a TPM PIN is for.
const pinQuestion = "sign with the TPM key"

// Unlock asks for the PIN once, unseals the seed and returns a session
// that signs with it until Close. The TPM is not used again until the
// next Unlock: a session signs in memory, so a batch of 1,000 costs one
// unseal.
//
// NOTE(tpm): the seed lives in a locked [hsm.Secret] for the session
// only, and the PIN in another until the unseal returns. go-tpm copies
// the PIN into its session HMAC keys and returns the seed in its
// response buffers; the unseal runs under [hsm.Erasing], which erases
// those copies in a binary built with GOEXPERIMENT=runtimesecret.
func (k *Key) Unlock(ctx context.Context, why string) (hsm.Session, error) {
	q := pinQuestion
	if why != "" {
		q += " (" + why + ")"
	}
	pin, err := hsm.AskSecret(ctx, k.pins, q)
	if err != nil {
		return nil, err
	}
	defer pin.Close()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.t == nil {
		return nil, errors.New("tpm key is closed; open it again")
	}
	if ctx.Err() != nil {
		return nil, hsm.Canceled(ctx)
	}
	var priv *hsm.Secret
	hsm.Erasing(func() {
		var seed []byte
		seed, err = unseal(k.t, k.srk, k.kf, pin.Bytes())
		if err == nil {
			priv, err = privateKey(k.path, k.kf.PublicKey, seed)
			hsm.Wipe(seed)
		}
	})
	if err != nil {
		err = explain(k.t, k.path, k.kf, err)
		if errors.Is(err, hsm.ErrWrongPIN) {
			hsm.ForgetPIN(k.pins)
		}
		return nil, err
	}
	return &session{path: k.path, pub: k.kf.PublicKey, priv: priv}, nil
}

// privateKey checks that seed belongs to pub and returns the expanded
// Ed25519 key in a locked Secret.
func privateKey(path string, pub ed25519.PublicKey, seed []byte) (*hsm.Secret, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("tpm key %s: the unsealed seed has %d bytes, want 32: %w", path, len(seed), hsm.ErrCorruptBlob)
	}
	priv, err := hsm.ExpandSeed(seed, pub)
	if err != nil {
		return nil, fmt.Errorf("tpm key %s: the unsealed seed does not match the key file's public key: %w; restore the key file from a backup", path, hsm.ErrCorruptBlob)
	}
	return priv, nil
}

// session signs with an unsealed seed held in locked memory.
type session struct {
	path string
	pub  ed25519.PublicKey

	mu   sync.Mutex
	priv *hsm.Secret // the expanded key (hsm.ExpandSeed); nil after Close
}

func (s *session) PublicKey() ed25519.PublicKey { return s.pub }

// Sign signs hash in memory and verifies the signature.
func (s *session) Sign(ctx context.Context, hash [32]byte) ([]byte, error) {
	sigs, err := s.SignMany(ctx, [][32]byte{hash}, nil)
	if err != nil {
		return nil, err
	}
	return sigs[0], nil
}

// SignMany signs hashes in memory and verifies them in one batch.
func (s *session) SignMany(ctx context.Context, hashes [][32]byte, progress func(int)) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.priv == nil {
		return nil, fmt.Errorf("tpm key %s: %w", s.path, hsm.ErrSessionClosed)
	}
	sigs, err := hsm.SignManyVerified(ctx, s.pub, hashes, progress, func(h [32]byte) (sig []byte, err error) {
		hsm.Erasing(func() { sig, err = hsm.SignExpanded(s.priv, h[:]) })
		return sig, err
	})
	if err != nil && !errors.Is(err, hsm.ErrCanceled) {
		return nil, fmt.Errorf("tpm key %s: %w", s.path, err)
	}
	return sigs, err
}

// Close wipes the unsealed key.
func (s *session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.priv.Close()
	s.priv = nil
	return nil
}
