package testrig

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/keysetup"
	"github.com/signetbox/signet/statedir"
)

// CheapKDF turns the soft backend's Argon2id down, once per test process:
// parallel tests that make soft keys would otherwise race on the setting.
// SoftKey calls it; a test that makes soft keys another way calls it too.
var CheapKDF = sync.OnceFunc(soft.UseCheapKDFForTests)

// SoftKey makes a soft key at keyPath sealed with passphrase (with the
// cheap KDF, see [CheapKDF]) and writes the state directory dir's key
// files for it (key.uri, key.pub, attestation.json) as 'signet key init'
// does. keyPath is usually statedir.Path(dir, statedir.SoftKey); a test
// may keep it elsewhere. It returns the key's public half.
func SoftKey(t testing.TB, dir, keyPath, passphrase string) ed25519.PublicKey {
	t.Helper()
	CheapKDF()
	pub, err := soft.Create(context.Background(), keyPath, hsm.FixedPIN(passphrase))
	if err != nil {
		t.Fatalf("making the soft key: %v", err)
	}
	u, err := hsm.ParseURI("soft:" + keyPath)
	if err != nil {
		t.Fatalf("the soft key's URI: %v", err)
	}
	att := hsm.Attestation{Backend: "soft", Summary: soft.Summary}
	if err := statedir.WriteKey(dir, u, pub, statedir.NewAttestationDoc(u, pub, att)); err != nil {
		t.Fatalf("writing the key files: %v", err)
	}
	return pub
}

// TPM is a key sealed to a software TPM that [TPMKey] made.
type TPM struct {
	Pub   ed25519.PublicKey
	URI   hsm.URI         // as written to key.uri
	Att   hsm.Attestation // as written to attestation.json
	SWTPM *swtpm.Instance
}

// TPMKey starts a swtpm (stopped when the test ends; without swtpm
// installed the test skips off CI and fails in CI, see
// testenv.SkipOrFail), provisions a key on it with pin at
// statedir.Path(dir, statedir.TPMKey), attests it, and writes dir's key
// files as 'signet key init --hsm tpm' does (keysetup.TPMAttestation: a
// failed attestation is recorded in the summary). The lockout secret is
// wiped.
func TPMKey(t testing.TB, dir, pin string) *TPM {
	t.Helper()
	inst, err := swtpm.Start(filepath.Join(t.TempDir(), "swtpm"))
	if errors.Is(err, swtpm.ErrMissing) {
		testenv.SkipOrFail(t, "swtpm is not installed")
	}
	if err != nil {
		t.Fatalf("starting swtpm: %v", err)
	}
	t.Cleanup(inst.Stop)
	dev, err := tpm.OpenDevice(inst.Device)
	if err != nil {
		t.Fatalf("opening the swtpm: %v", err)
	}
	defer dev.Close()
	ctx := context.Background()
	path := statedir.Path(dir, statedir.TPMKey)
	p, err := tpm.Provision(ctx, dev, tpm.ProvisionOptions{Path: path, PIN: []byte(pin)})
	if err != nil {
		t.Fatalf("provisioning the swtpm key: %v", err)
	}
	hsm.Wipe(p.LockoutSecret)
	att := keysetup.TPMAttestation(ctx, dev, path)
	r := &TPM{Pub: p.Key.PublicKey, URI: hsm.URI{Scheme: "tpm", Path: path, Device: inst.Device}, Att: att, SWTPM: inst}
	if err := statedir.WriteKey(dir, r.URI, r.Pub, statedir.NewAttestationDoc(r.URI, r.Pub, att)); err != nil {
		t.Fatalf("writing the key files: %v", err)
	}
	return r
}
