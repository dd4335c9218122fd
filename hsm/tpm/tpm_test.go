package tpm_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/hsmtest"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/tka"
)

var _ tka.Signer = (*tpm.Key)(nil)

const testPIN = "246810"

// provision seals a new key on t with maxTries 3 and returns its path and
// the lockout secret.
func provision(tb testing.TB, t transport.TPM) (string, []byte) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "key.tpm")
	p, err := tpm.Provision(context.Background(), t, tpm.ProvisionOptions{
		Path: path, PIN: []byte(testPIN), MaxTries: 3, RecoveryTime: time.Hour, LockoutRecovery: time.Second,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(p.LockoutSecret) != tpm.LockoutSecretSize {
		tb.Fatalf("lockout secret has %d bytes", len(p.LockoutSecret))
	}
	return path, p.LockoutSecret
}

func extendPCR7(tb testing.TB, t transport.TPM) {
	tb.Helper()
	_, err := tpm2.PCRExtend{
		PCRHandle: tpm2.AuthHandle{Handle: tpm2.TPMHandle(7), Auth: tpm2.PasswordAuth(nil)},
		Digests: tpm2.TPMLDigestValues{Digests: []tpm2.TPMTHA{{
			HashAlg: tpm2.TPMAlgSHA256, Digest: make([]byte, 32),
		}}},
	}.Execute(t)
	if err != nil {
		tb.Fatal(err)
	}
}

func TestSWTPMProvisionSign(t *testing.T) {
	sw := startSWTPM(t, false)
	path, _ := sw.provisionClosed()
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	k, err := hsm.Open(context.Background(), "tpm:"+path+"?device="+sw.Device, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	hsmtest.SignAndVerify(t, k, 1000)

	st, err := k.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := hsm.Status{Present: true, PINRetries: 3, MaxTries: 3, Recovery: time.Hour, Policy: "PCR sha256:7 and PIN", LockoutAuthSet: true}
	if st != want {
		t.Errorf("Status = %+v\nwant     %+v", st, want)
	}
	att, err := k.Attest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kf, _ := tpm.ReadKeyFile(path)
	if !att.Hardware || att.Backend != "tpm" || att.Facts["manufacturer"] != "IBM" ||
		att.Facts["pcr-policy"] != "PCR sha256:7 and PIN" || len(att.Evidence) != 1 ||
		string(att.Evidence[0]) != string(kf.Public) || len(att.Facts["srk-name"]) != 68 {
		t.Errorf("Attest = %+v", att)
	}
	t.Logf("attestation: %s", att.Summary)
}

func TestSWTPMUnixSocket(t *testing.T) {
	sw := startSWTPM(t, true)
	path, _ := sw.provisionClosed()
	k, err := tpm.Open(context.Background(), path, sw.Device, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	hsmtest.SignAndVerify(t, k, 50)
}

func TestWrongPINLockoutReset(t *testing.T) {
	sw := startSWTPM(t, false)
	tp := sw.open()
	path, secret := provision(t, tp)
	bad, err := tpm.NewKey(context.Background(), tp, path, hsm.FixedPIN("000000"))
	if err != nil {
		t.Fatal(err)
	}
	for _, left := range []int{2, 1, 0} {
		_, err := bad.Sign(context.Background(), hsmtest.Hash(0))
		var w *hsm.WrongPINError
		if !errors.As(err, &w) || w.TriesLeft != left {
			t.Fatalf("wrong PIN: err = %v, want WrongPINError with %d tries left", err, left)
		}
	}
	good, err := tpm.NewKey(context.Background(), tp, path, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	_, err = good.Sign(context.Background(), hsmtest.Hash(0))
	wantMsg := "tpm: the device is locked out after too many wrong PINs; wait 1h0m0s, or run `signet key reset-lockout` with the offline lockout secret"
	if !errors.Is(err, hsm.ErrLockout) || err.Error() != wantMsg {
		t.Fatalf("right PIN in lockout: %v\nwant %s", err, wantMsg)
	}
	if st, _ := good.Status(context.Background()); !st.Lockout || st.PINRetries != 0 {
		t.Errorf("Status in lockout = %+v", st)
	}
	if err := tpm.ResetLockout(context.Background(), tp, secret); err != nil {
		t.Fatal(err)
	}
	hsmtest.SignAndVerify(t, good, 3)
	if st, _ := good.Status(context.Background()); st.Lockout || st.PINRetries != 3 {
		t.Errorf("Status after reset = %+v", st)
	}
	err = tpm.ResetLockout(context.Background(), tp, []byte("not the secret"))
	if !errors.Is(err, hsm.ErrWrongPIN) || !strings.Contains(err.Error(), "the lockout secret is wrong") {
		t.Fatalf("reset with a wrong secret: %v", err)
	}
}

func TestPCRChangeRefused(t *testing.T) {
	sw := startSWTPM(t, false)
	tp := sw.open()
	path, _ := provision(t, tp)
	k, err := tpm.NewKey(context.Background(), tp, path, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	hsmtest.SignAndVerify(t, k, 1)
	extendPCR7(t, tp)
	_, err = k.Sign(context.Background(), hsmtest.Hash(1))
	want := "tpm key " + path + ": the boot state changed since this key was sealed (PCR 7): the device's policy refused the key; boot the system it was sealed on, or provision a new key"
	if !errors.Is(err, hsm.ErrPolicy) || err.Error() != want {
		t.Fatalf("sign after PCR 7 extend: %v\nwant %s", err, want)
	}
	if st, _ := k.Status(context.Background()); st.PINRetries != 3 {
		t.Errorf("a policy failure counted as a wrong PIN: %+v", st)
	}
	// A restart resets PCRs, so the key works again.
	tp.Close()
	sw.restart()
	k2, err := tpm.Open(context.Background(), path, sw.Device, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	defer k2.Close()
	hsmtest.SignAndVerify(t, k2, 3)
}

func TestRestartKeepsKey(t *testing.T) {
	sw := startSWTPM(t, false)
	path, _ := sw.provisionClosed()
	sw.restart()
	k, err := tpm.Open(context.Background(), path, sw.Device, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	hsmtest.SignAndVerify(t, k, 10)
	if st, _ := k.Status(context.Background()); st.PINRetries != 3 {
		t.Errorf("DA counter rose across a clean restart: %+v", st)
	}
}

func TestForeignBlob(t *testing.T) {
	a, b := startSWTPM(t, false), startSWTPM(t, false)
	path, _ := a.provisionClosed()
	_, err := tpm.Open(context.Background(), path, b.Device, hsm.FixedPIN(testPIN))
	if !errors.Is(err, hsm.ErrForeignBlob) || !strings.Contains(err.Error(), "has no storage root key at 0x81000001") {
		t.Fatalf("open on a TPM without SRK: %v", err)
	}
	b.provisionClosed()
	_, err = tpm.Open(context.Background(), path, b.Device, hsm.FixedPIN(testPIN))
	if !errors.Is(err, hsm.ErrForeignBlob) || !strings.Contains(err.Error(), "use the TPM the key was provisioned on") {
		t.Fatalf("open on another TPM: %v", err)
	}
	t.Logf("foreign blob: %v", err)
}

func TestChangePIN(t *testing.T) {
	sw := startSWTPM(t, false)
	tp := sw.open()
	path, _ := provision(t, tp)
	kf1, _ := tpm.ReadKeyFile(path)
	if err := tpm.ChangePIN(context.Background(), tp, path, []byte(testPIN), []byte("13579")); err != nil {
		t.Fatal(err)
	}
	kf2, _ := tpm.ReadKeyFile(path)
	if !kf1.PublicKey.Equal(kf2.PublicKey) || string(kf1.Private) == string(kf2.Private) {
		t.Fatal("change-pin changed the public key or kept the old blob")
	}
	k, err := tpm.NewKey(context.Background(), tp, path, hsm.FixedPIN("13579"))
	if err != nil {
		t.Fatal(err)
	}
	hsmtest.SignAndVerify(t, k, 2)
	err = tpm.ChangePIN(context.Background(), tp, path, []byte(testPIN), []byte("1"))
	if !errors.Is(err, hsm.ErrWrongPIN) {
		t.Fatalf("change-pin with the old PIN: %v", err)
	}
}

func TestCorruptKeyFile(t *testing.T) {
	sw := startSWTPM(t, false)
	tp := sw.open()
	path, _ := provision(t, tp)
	good, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name string
		edit func([]byte) []byte
		want string
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "checksum mismatch (truncated or altered)"},
		{"tiny", func(b []byte) []byte { return b[:12] }, "truncated"},
		{"empty", func(b []byte) []byte { return nil }, "not a signet TPM key (bad magic)"},
		{"flipped", func(b []byte) []byte { b[len(b)-40] ^= 1; return b }, "checksum mismatch (truncated or altered)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k")
			os.WriteFile(p, tc.edit(append([]byte(nil), good...)), 0o600)
			_, err := tpm.NewKey(context.Background(), tp, p, hsm.FixedPIN(testPIN))
			want := "tpm key " + p + ": " + tc.want + ": the key file is damaged; restore it from a backup or provision a new key"
			if !errors.Is(err, hsm.ErrCorruptBlob) || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
		})
	}
	t.Run("tpm integrity", func(t *testing.T) {
		// Damage the sealed private part but keep the checksum valid: the
		// TPM's own integrity check must refuse it.
		kf, _ := tpm.ReadKeyFile(path)
		kf.Private[len(kf.Private)-1] ^= 1
		p := filepath.Join(t.TempDir(), "k")
		os.WriteFile(p, kf.Marshal(), 0o600)
		k, err := tpm.NewKey(context.Background(), tp, p, hsm.FixedPIN(testPIN))
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Sign(context.Background(), hsmtest.Hash(0))
		if !errors.Is(err, hsm.ErrCorruptBlob) || !strings.Contains(err.Error(), "the TPM refused to load the sealed blob") {
			t.Fatalf("sign with a damaged blob: %v", err)
		}
		t.Logf("damaged blob: %v", err)
	})
}

func TestProvisionRefusals(t *testing.T) {
	sw := startSWTPM(t, false)
	tp := sw.open()
	path, secret := provision(t, tp)
	_, err := tpm.Provision(context.Background(), tp, tpm.ProvisionOptions{Path: path, PIN: []byte("1")})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("provision over an existing file: %v", err)
	}
	other := filepath.Join(t.TempDir(), "k2")
	_, err = tpm.Provision(context.Background(), tp, tpm.ProvisionOptions{Path: other, PIN: []byte("1")})
	if err == nil || !strings.Contains(err.Error(), "lockout authorization is already set") {
		t.Fatalf("provision without the existing lockout secret: %v", err)
	}
	p, err := tpm.Provision(context.Background(), tp, tpm.ProvisionOptions{Path: other, PIN: []byte("1"), CurrentLockoutSecret: secret})
	if err != nil || p.LockoutSecret != nil {
		t.Fatalf("provision with the existing lockout secret: %v, %v", p, err)
	}
	_, err = tpm.Provision(context.Background(), tp, tpm.ProvisionOptions{Path: filepath.Join(t.TempDir(), "k3")})
	if err == nil || err.Error() != "provision: the PIN is empty; choose a PIN" {
		t.Fatalf("provision without a PIN: %v", err)
	}
}

func TestNoDevice(t *testing.T) {
	_, err := tpm.OpenDevice(filepath.Join(t.TempDir(), "tpmrm0"))
	if !errors.Is(err, hsm.ErrNoDevice) {
		t.Fatalf("missing device: %v", err)
	}
	_, err = tpm.OpenDevice("tcp://127.0.0.1:1")
	if !errors.Is(err, hsm.ErrNoDevice) {
		t.Fatalf("closed port: %v", err)
	}
	t.Logf("no device: %v", err)
}

func BenchmarkSignSWTPMTCP(b *testing.B)  { benchSWTPM(b, false, "sign-swtpm-tcp") }
func BenchmarkSignSWTPMUnix(b *testing.B) { benchSWTPM(b, true, "sign-swtpm-unix") }

func benchSWTPM(b *testing.B, unix bool, name string) {
	sw := startSWTPM(b, unix)
	path, _ := sw.provisionClosed()
	k, err := tpm.Open(context.Background(), path, sw.Device, hsm.FixedPIN(testPIN))
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	hsmtest.BenchSign(b, name, k)
}
