package tpm

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/keyfile"
)

// Defaults for [ProvisionOptions].
const (
	DefaultMaxTries        = 10
	DefaultRecoveryTime    = 10 * time.Minute
	DefaultLockoutRecovery = 24 * time.Hour
	// LockoutSecretSize is the length of the generated lockout secret.
	LockoutSecretSize = 32
)

// DefaultPCRs binds the key to Secure Boot state (PCR 7).
var DefaultPCRs = []int{7}

// ProvisionOptions are the inputs of [Provision].
type ProvisionOptions struct {
	// Path is the key file to write; it must not exist.
	Path string
	// PCRs are the sha256 PCRs the seal is bound to (default DefaultPCRs).
	PCRs []int
	// PIN unseals the key. Required; the caller wipes it.
	PIN []byte
	// MaxTries wrong PINs lock the TPM out (default DefaultMaxTries).
	MaxTries uint32
	// RecoveryTime is how long the TPM takes to forget one wrong PIN
	// (default DefaultRecoveryTime).
	RecoveryTime time.Duration
	// LockoutRecovery is how long a wrong lockout secret blocks the next
	// reset (default DefaultLockoutRecovery).
	LockoutRecovery time.Duration
	// CurrentLockoutSecret is the TPM's existing lockout secret, when an
	// earlier provisioning set one. Provision then keeps it and returns no
	// new one.
	CurrentLockoutSecret []byte
}

// Provisioned is the result of [Provision].
type Provisioned struct {
	// Key is the key file that was written.
	Key *KeyFile
	// LockoutSecret is the TPM's new lockout secret. It is shown once for
	// offline storage and never stored on the box; nil when
	// CurrentLockoutSecret was given. The caller wipes it.
	LockoutSecret []byte
}

func (o *ProvisionOptions) check() error {
	if o.Path == "" {
		return errors.New("provision: the key file path is empty")
	}
	if _, err := os.Lstat(o.Path); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("provision: key file %s already exists; move it away first if you really mean to replace it", o.Path)
	}
	if len(o.PIN) == 0 {
		return errors.New("provision: the PIN is empty; choose a PIN")
	}
	if len(o.PCRs) == 0 {
		o.PCRs = DefaultPCRs
	}
	o.PCRs = pcrList(o.PCRs)
	if err := checkPCRs(o.PCRs); err != nil {
		return fmt.Errorf("provision: %w", err)
	}
	if o.MaxTries == 0 {
		o.MaxTries = DefaultMaxTries
	}
	if o.RecoveryTime == 0 {
		o.RecoveryTime = DefaultRecoveryTime
	}
	if o.LockoutRecovery == 0 {
		o.LockoutRecovery = DefaultLockoutRecovery
	}
	return nil
}

// Provision makes a new Ed25519 key sealed to the TPM and writes its key
// file. It then sets the dictionary-attack parameters and, unless
// CurrentLockoutSecret is given, sets the TPM's lockout authorization to a
// new random secret that it returns once.
//
// The seed is mixed from TPM2_GetRandom and the OS generator, sealed under
// the SRK at 0x81000001 (created and persisted if absent) with the policy
// PolicyPCR(sha256: PCRs) then PolicyAuthValue and the PIN as auth value,
// over a salted session with parameter encryption, then wiped.
func Provision(ctx context.Context, t transport.TPM, opts ProvisionOptions) (*Provisioned, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	st, err := ReadStatus(t)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	if st.LockoutAuthSet && opts.CurrentLockoutSecret == nil {
		return nil, errors.New("provision: the TPM's lockout authorization is already set; give the existing lockout secret, or clear the TPM (tpm2_clear) to start over")
	}
	if ctx.Err() != nil {
		return nil, hsm.Canceled(ctx)
	}
	// Set the DA parameters first: it also proves CurrentLockoutSecret
	// before anything is written.
	if err := setDAParameters(t, opts.CurrentLockoutSecret, opts.MaxTries, opts.RecoveryTime, opts.LockoutRecovery); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	s, err := findSRK(t, true)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	kf, err := sealNew(t, s, opts.PCRs, opts.PIN)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	if err := keyfile.Create(opts.Path, kf.Marshal()); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	secret, err := setLockoutSecret(t, s, opts)
	if err != nil {
		return nil, fmt.Errorf("provision: the key file %s is written, but %w", opts.Path, err)
	}
	return &Provisioned{Key: kf, LockoutSecret: secret}, nil
}

// sealNew makes a fresh seed, seals it and returns the key file contents.
func sealNew(t transport.TPM, s *srk, pcrs []int, pin []byte) (*KeyFile, error) {
	seed, err := newSeed(t)
	if err != nil {
		return nil, err
	}
	defer hsm.Wipe(seed)
	return sealSeed(t, s, pcrs, pin, seed)
}

func sealSeed(t transport.TPM, s *srk, pcrs []int, pin, seed []byte) (*KeyFile, error) {
	priv := ed25519.NewKeyFromSeed(seed)
	defer hsm.Wipe(priv)
	pub, sealed, err := seal(t, s, pcrs, pin, seed)
	if err != nil {
		return nil, err
	}
	return &KeyFile{
		PCRs:      pcrs,
		SRKName:   s.name.Buffer,
		PublicKey: ed25519.PublicKey(append([]byte(nil), priv[ed25519.SeedSize:]...)),
		Public:    pub,
		Private:   sealed,
	}, nil
}

// setLockoutSecret gives a TPM without a lockout secret a new one, sent
// over a salted, encrypted session.
func setLockoutSecret(t transport.TPM, s *srk, opts ProvisionOptions) ([]byte, error) {
	if opts.CurrentLockoutSecret != nil {
		return nil, nil
	}
	secret := make([]byte, LockoutSecretSize)
	rand.Read(secret)
	// Why the password session plus a separate encryption session: the
	// TPM keys the response HMAC of HierarchyChangeAuth with the NEW auth
	// value, which go-tpm's HMAC session does not expect. The current
	// lockout auth is empty, so the password session reveals nothing, and
	// the salted session encrypts the new secret on the bus.
	enc := tpm2.HMAC(tpm2.TPMAlgSHA256, 16, tpm2.Salted(s.handle, s.pub), tpm2.AESEncryption(128, tpm2.EncryptIn))
	_, err := tpm2.HierarchyChangeAuth{
		AuthHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHLockout, Auth: tpm2.PasswordAuth(nil)},
		NewAuth:    tpm2.TPM2BAuth{Buffer: secret},
	}.Execute(t, enc)
	if err != nil {
		hsm.Wipe(secret)
		return nil, fmt.Errorf("setting the TPM's lockout secret failed: %w", err)
	}
	return secret, nil
}
