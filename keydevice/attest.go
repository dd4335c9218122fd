package keydevice

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// Attest gets a fresh attestation of st's key from the device, within
// ReadTimeout, and verifies it: a PIV one against the roots in rootsFile
// (empty: Yubico's), a TPM one with CheckTPMAttestation. A soft key gets
// SoftAttestation. When the device is busy because signet serve holds it,
// the error says so.
func Attest(ctx context.Context, st *statedir.KeyState, rootsFile string) (hsm.Attestation, error) {
	a, err := attest(ctx, st, rootsFile)
	if err != nil && errors.Is(err, hsm.ErrNoDevice) {
		// A TPM behind swtpm or a card serves one process at a time.
		if _, rec, derr := signer.StateDirStatus(ctx, st.Dir); derr == nil {
			return a, cli.WithHint(err, fmt.Sprintf("signet serve (pid %d) holds the key device; stop it to attest the key ('signet key show' asks the daemon for the device's state)", rec.PID))
		}
	}
	return a, err
}

func attest(ctx context.Context, st *statedir.KeyState, rootsFile string) (hsm.Attestation, error) {
	if st.URI.Scheme == "soft" {
		if rootsFile != "" {
			return hsm.Attestation{}, cli.Usagef("--roots applies only to piv keys")
		}
		return SoftAttestation(st.URI.Path), nil
	}
	roots, err := LoadRoots(rootsFile)
	if err != nil {
		return hsm.Attestation{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, ReadTimeout)
	defer cancel()
	k, err := OpenNoPIN(ctx, st, roots)
	if err != nil {
		return hsm.Attestation{}, err
	}
	defer k.Close()
	a, err := k.Attest(ctx)
	if err != nil {
		return hsm.Attestation{}, err
	}
	if st.URI.Scheme == "tpm" {
		err = CheckTPMAttestation(a, st.Att)
	}
	return a, err
}

// CheckTPMAttestation checks the sealed object's public area: it can never
// leave this TPM (fixedTPM, fixedParent) and only its policy releases it
// (no userWithAuth, a non-empty policy digest). It also checks that the SRK
// is the one recorded at init, when one was.
func CheckTPMAttestation(a hsm.Attestation, recorded *statedir.AttestationDoc) error {
	if len(a.Evidence) == 0 {
		return errors.New("tpm attestation has no public area to check")
	}
	pub, err := tpm2.Unmarshal[tpm2.TPM2BPublic](a.Evidence[0])
	if err != nil {
		return fmt.Errorf("tpm attestation: parsing the sealed object's public area: %w", err)
	}
	p, err := pub.Contents()
	if err != nil {
		return fmt.Errorf("tpm attestation: parsing the sealed object's public area: %w", err)
	}
	attr := p.ObjectAttributes
	if !attr.FixedTPM || !attr.FixedParent || attr.UserWithAuth || len(p.AuthPolicy.Buffer) == 0 {
		return fmt.Errorf("tpm attestation: the sealed object is not bound to this TPM and its policy (fixedTPM=%t fixedParent=%t userWithAuth=%t policy=%d bytes); provision a new key",
			attr.FixedTPM, attr.FixedParent, attr.UserWithAuth, len(p.AuthPolicy.Buffer))
	}
	if recorded != nil && recorded.Facts["srk-name"] != "" {
		want, _ := hex.DecodeString(recorded.Facts["srk-name"])
		got, _ := hex.DecodeString(a.Facts["srk-name"])
		if subtle.ConstantTimeCompare(want, got) != 1 {
			return fmt.Errorf("tpm attestation: the SRK name %s is not the one recorded at init (%s)", a.Facts["srk-name"], recorded.Facts["srk-name"])
		}
	}
	return nil
}
