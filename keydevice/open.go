package keydevice

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// OpenNoPIN opens a tpm or piv key without asking for a PIN (status and
// attestation need none) and checks it against key.pub. roots verify PIV
// attestations (nil: Yubico's). A socket TPM's exchanges end at ctx's
// deadline. A soft key cannot be opened without its passphrase.
func OpenNoPIN(ctx context.Context, st *statedir.KeyState, roots *x509.CertPool) (hsm.Key, error) {
	var k hsm.Key
	switch st.URI.Scheme {
	case "tpm":
		deadline, _ := ctx.Deadline()
		t, err := tpm.OpenDeviceDeadline(st.URI.Device, deadline)
		if err != nil {
			return nil, err
		}
		tk, err := tpm.NewKey(ctx, t, st.URI.Path, nil)
		if err != nil {
			t.Close()
			return nil, err
		}
		k = ownedTPMKey{tk, t}
	case "piv":
		pk, err := piv.Open(ctx, piv.Options{Serial: st.URI.Serial, Slot: st.URI.Slot, PublicKey: st.Pub, Roots: roots})
		if err != nil {
			return nil, err
		}
		k = piv.HSMKey{Key: pk}
	default:
		return nil, fmt.Errorf("a %s key cannot be opened without its passphrase", st.URI.Scheme)
	}
	if !k.PublicKey().Equal(st.Pub) {
		k.Close()
		return nil, fmt.Errorf("the key %s is %s, not the %s in %s; the state directory belongs to another key",
			st.URI, tka.FormatTLPub(k.PublicKey()), tka.FormatTLPub(st.Pub), statedir.KeyPub)
	}
	return k, nil
}

// ownedTPMKey is a TPM key that closes its connection on Close.
type ownedTPMKey struct {
	*tpm.Key
	t io.Closer
}

// Close closes the key, then the TPM connection it was opened on.
func (k ownedTPMKey) Close() error {
	k.Key.Close()
	return k.t.Close()
}

// Status reads the device state of st's key without a PIN. A key that
// does not match key.pub is an error; a soft key is present when its file
// is there.
func Status(ctx context.Context, st *statedir.KeyState) (hsm.Status, error) {
	if st.URI.Scheme == "soft" {
		if _, err := os.Stat(st.URI.Path); err != nil {
			return hsm.Status{}, fmt.Errorf("soft key file: %w", err)
		}
		return hsm.Status{Present: true, PINRetries: -1, MaxTries: -1, Policy: "passphrase (software key, insecure)"}, nil
	}
	k, err := OpenNoPIN(ctx, st, nil)
	if err != nil {
		return hsm.Status{}, err
	}
	defer k.Close()
	return k.Status(ctx)
}

// SoftAttestation is what soft.Key.Attest says about the key file at
// path, without asking for the passphrase: a software key proves nothing.
func SoftAttestation(path string) hsm.Attestation {
	return hsm.Attestation{
		Backend: "soft",
		Summary: soft.Summary,
		Facts:   map[string]string{"path": path, "kdf": "argon2id", "cipher": "xchacha20-poly1305"},
	}
}

// LoadRoots reads a PEM file of CA certificates for PIV attestations; an
// empty path means Yubico's roots (nil). Its errors name the --roots flag
// that gives the file.
func LoadRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading --roots: %w", err)
	}
	pool := x509.NewCertPool()
	for n := 0; ; n++ {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			if n == 0 {
				return nil, fmt.Errorf("--roots %s holds no PEM certificate", path)
			}
			return pool, nil
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("--roots %s, certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(c)
	}
}
