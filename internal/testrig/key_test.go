package testrig

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/statedir"
)

// TestSoftKey checks that the soft rig's key files load as the daemon
// loads them and that the key they name signs with the passphrase, and
// only with it.
func TestSoftKey(t *testing.T) {
	dir := t.TempDir()
	keyPath := statedir.Path(t.TempDir(), statedir.SoftKey) // kept outside, as the tamper matrix does
	pub := SoftKey(t, dir, keyPath, "rig passphrase")
	ks, err := statedir.LoadKey(dir)
	if err != nil {
		t.Fatalf("loading the rig's key files: %v", err)
	}
	if ks.URI.Scheme != "soft" || ks.URI.Path != keyPath {
		t.Errorf("key.uri names %+v, want soft:%s", ks.URI, keyPath)
	}
	if !bytes.Equal(ks.Pub, pub) {
		t.Errorf("key.pub is %x, want %x", ks.Pub, pub)
	}
	if ks.Att == nil || ks.Att.Backend != "soft" || ks.Att.Hardware || ks.Att.Summary != soft.Summary {
		t.Errorf("attestation.json: %+v", ks.Att)
	}
	ctx := context.Background()
	if _, err := soft.Open(ctx, keyPath, hsm.FixedPIN("wrong passphrase")); err == nil {
		t.Error("the soft key opened with a wrong passphrase")
	}
	k, err := soft.Open(ctx, keyPath, hsm.FixedPIN("rig passphrase"))
	if err != nil {
		t.Fatalf("opening the soft key: %v", err)
	}
	defer k.Close()
	checkSigns(t, k.Sign, pub)
}

// TestTPMKey checks the swtpm rig the same way: its key files load, the
// attestation is the TPM's own, and the key signs with the PIN.
func TestTPMKey(t *testing.T) {
	testenv.SkipShort(t, "a software TPM (swtpm)")
	dir := t.TempDir()
	r := TPMKey(t, dir, "rig-pin-2468")
	ks, err := statedir.LoadKey(dir)
	if err != nil {
		t.Fatalf("loading the rig's key files: %v", err)
	}
	if ks.URI != r.URI || ks.URI.Scheme != "tpm" || ks.URI.Path != statedir.Path(dir, statedir.TPMKey) || ks.URI.Device != r.SWTPM.Device {
		t.Errorf("key.uri names %+v, want the swtpm key %+v", ks.URI, r.URI)
	}
	if !bytes.Equal(ks.Pub, r.Pub) {
		t.Errorf("key.pub is %x, want %x", ks.Pub, r.Pub)
	}
	if ks.Att == nil || ks.Att.Backend != "tpm" || !ks.Att.Hardware || ks.Att.Summary != r.Att.Summary || strings.HasPrefix(r.Att.Summary, "attestation failed") {
		t.Errorf("attestation.json: %+v, want the TPM's attestation %+v", ks.Att, r.Att)
	}
	k, err := tpm.Open(context.Background(), ks.URI.Path, ks.URI.Device, hsm.FixedPIN("rig-pin-2468"))
	if err != nil {
		t.Fatalf("opening the swtpm key: %v", err)
	}
	defer k.Close()
	checkSigns(t, k.Sign, r.Pub)
}

// checkSigns signs a hash with sign and verifies it against pub.
func checkSigns(t *testing.T, sign func(context.Context, [32]byte) ([]byte, error), pub ed25519.PublicKey) {
	t.Helper()
	h := sha256.Sum256([]byte("testrig"))
	sig, err := sign(context.Background(), h)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	if !ed25519.Verify(pub, h[:], sig) {
		t.Fatal("the key's signature does not verify against key.pub")
	}
}
