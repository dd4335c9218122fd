package tpm

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
)

func init() {
	hsm.Register("tpm", func(ctx context.Context, u hsm.URI, pins hsm.PINPrompt) (hsm.Key, error) {
		return Open(ctx, u.Path, u.Device, pins)
	})
}

// Key is a sealed key opened on a TPM. Unlock asks pins for the PIN and
// unseals the seed into a [Session] for one decision; Sign does that for
// one signature.
type Key struct {
	path   string
	kf     *KeyFile
	pins   hsm.PINPrompt
	closer io.Closer // the transport, when Key owns it

	mu  sync.Mutex
	t   transport.TPM // nil after Close
	srk *srk
}

var _ hsm.Key = (*Key)(nil)

// Open opens the TPM at device (see [OpenDevice]) and the key file at path.
// The returned Key owns the connection and closes it on Close.
func Open(ctx context.Context, path, device string, pins hsm.PINPrompt) (*Key, error) {
	kf, err := ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	t, err := OpenDevice(device)
	if err != nil {
		return nil, err
	}
	k, err := newKey(ctx, t, path, kf, pins)
	if err != nil {
		t.Close()
		return nil, err
	}
	k.closer = t
	return k, nil
}

// NewKey opens the key file at path on an already open TPM. Close does not
// close t.
func NewKey(ctx context.Context, t transport.TPM, path string, pins hsm.PINPrompt) (*Key, error) {
	kf, err := ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	return newKey(ctx, t, path, kf, pins)
}

func newKey(ctx context.Context, t transport.TPM, path string, kf *KeyFile, pins hsm.PINPrompt) (*Key, error) {
	if ctx.Err() != nil {
		return nil, hsm.Canceled(ctx)
	}
	s, err := checkedSRK(t, path, kf)
	if err != nil {
		return nil, err
	}
	return &Key{path: path, kf: kf, pins: pins, t: t, srk: s}, nil
}

// checkedSRK finds the TPM's SRK and checks that it is the one kf was
// sealed under.
func checkedSRK(t transport.TPM, path string, kf *KeyFile) (*srk, error) {
	s, err := findSRK(t, false)
	if errors.Is(err, errNoSRK) {
		return nil, fmt.Errorf("tpm key %s: %w: this TPM has no storage root key at %#x; use the TPM the key was provisioned on", path, hsm.ErrForeignBlob, SRKHandle)
	}
	if err != nil {
		return nil, fmt.Errorf("tpm key %s: %w", path, err)
	}
	if subtle.ConstantTimeCompare(s.name.Buffer, kf.SRKName) != 1 {
		return nil, fmt.Errorf("tpm key %s: %w: its storage root key name %s is not this TPM's %s; use the TPM the key was provisioned on", path, hsm.ErrForeignBlob, shortHex(kf.SRKName), shortHex(s.name.Buffer))
	}
	return s, nil
}

func shortHex(b []byte) string {
	h := hex.EncodeToString(b)
	if len(h) > 20 {
		return h[:20] + "…"
	}
	return h
}

// PublicKey returns the Ed25519 public key from the key file.
func (k *Key) PublicKey() ed25519.PublicKey { return k.kf.PublicKey }

// KeyFile returns the decoded key file.
func (k *Key) KeyFile() *KeyFile { return k.kf }

// Sign asks for the PIN, unseals the seed, signs hash, verifies the
// signature and wipes the seed: [Key.Unlock] for one signature.
func (k *Key) Sign(ctx context.Context, hash [32]byte) ([]byte, error) {
	return hsm.SignOnce(ctx, k, "", hash)
}

// Attest reports the SRK name, the TPM's identity strings and the PCR
// policy; the evidence is the sealed object's public area (TPM2B_PUBLIC),
// whose attributes (fixedTPM, fixedParent) and policy digest tpm2-tools
// can inspect. It does not chain to an endorsement key certificate.
func (k *Key) Attest(ctx context.Context) (hsm.Attestation, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.t == nil {
		return hsm.Attestation{}, errors.New("tpm key is closed; open it again")
	}
	info, err := ReadInfo(k.t)
	if err != nil {
		return hsm.Attestation{}, fmt.Errorf("tpm key %s: %w", k.path, err)
	}
	return hsm.Attestation{
		Backend:  "tpm",
		Hardware: true,
		Summary:  fmt.Sprintf("Ed25519 seed sealed to a %s TPM (%s) under SRK %s, released by %s", info.Manufacturer, info.Vendor, shortHex(k.kf.SRKName), policyText(k.kf.PCRs)),
		Facts: map[string]string{
			"srk-handle":   fmt.Sprintf("%#x", uint32(SRKHandle)),
			"srk-name":     hex.EncodeToString(k.kf.SRKName),
			"manufacturer": info.Manufacturer,
			"vendor":       info.Vendor,
			"firmware":     info.Firmware,
			"pcr-policy":   policyText(k.kf.PCRs),
		},
		Evidence: [][]byte{bytes.Clone(k.kf.Public)},
	}, nil
}

// Status reads the TPM's dictionary-attack state; it needs no PIN.
func (k *Key) Status(ctx context.Context) (hsm.Status, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.t == nil {
		return hsm.Status{}, errors.New("tpm key is closed; open it again")
	}
	st, err := ReadStatus(k.t)
	if err != nil {
		return hsm.Status{Policy: policyText(k.kf.PCRs), PINRetries: -1, MaxTries: -1},
			fmt.Errorf("tpm key %s: %w: %w", k.path, hsm.ErrNoDevice, err)
	}
	st.Policy = policyText(k.kf.PCRs)
	return st, nil
}

// Close releases the TPM connection if Key owns it.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.t = nil
	if k.closer != nil {
		c := k.closer
		k.closer = nil
		return c.Close()
	}
	return nil
}

// ChangePIN unseals the key at path with oldPIN and seals the same seed
// again with newPIN (same PCRs, same SRK), replacing the key file
// atomically. The public key does not change.
//
// Why re-seal rather than TPM2_ObjectChangeAuth: the sealed object has
// adminWithPolicy, and its policy (PCRs + PIN) does not include
// PolicyCommandCode(ObjectChangeAuth), which the ADMIN role would need.
func ChangePIN(ctx context.Context, t transport.TPM, path string, oldPIN, newPIN []byte) error {
	if len(newPIN) == 0 {
		return errors.New("change-pin: the new PIN is empty; choose a PIN")
	}
	kf, err := ReadKeyFile(path)
	if err != nil {
		return err
	}
	s, err := checkedSRK(t, path, kf)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return hsm.Canceled(ctx)
	}
	seed, err := unseal(t, s, kf, oldPIN)
	if err != nil {
		return explain(t, path, kf, err)
	}
	defer hsm.Wipe(seed)
	nkf, err := sealSeed(t, s, kf.PCRs, newPIN, seed)
	if err != nil {
		return fmt.Errorf("change-pin: %w", err)
	}
	if !bytes.Equal(nkf.PublicKey, kf.PublicKey) {
		return fmt.Errorf("change-pin: tpm key %s: the unsealed seed does not match the key file's public key: %w", path, hsm.ErrCorruptBlob)
	}
	return keyfileReplace(path, nkf.Marshal())
}
