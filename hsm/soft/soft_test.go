package soft

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/hsmtest"
	"github.com/signetbox/signet/tka"
)

var _ tka.Signer = (*Key)(nil)

func init() {
	// Tests turn the KDF down; the parameters are stored in each file.
	testOnlyKDF = &kdfParams{Time: 1, Memory: 64, Threads: 1}
}

func create(t testing.TB) (string, ed25519.PublicKey) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.soft")
	pub, err := Create(context.Background(), path, hsm.FixedPIN("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	return path, pub
}

func TestCreateOpenSign(t *testing.T) {
	path, pub := create(t)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != fileLen {
		t.Fatalf("key file: %v, %v; want mode 0600, %d bytes", fi.Mode(), err, fileLen)
	}
	k, err := hsm.Open(context.Background(), "soft:"+path, hsm.FixedPIN("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if !k.PublicKey().Equal(pub) {
		t.Fatalf("opened key has another public key: %x vs %x", k.PublicKey(), pub)
	}
	hsmtest.SignAndVerify(t, k, 100)
	att, _ := k.Attest(context.Background())
	if att.Hardware || att.Summary != Summary || !strings.Contains(att.Summary, "INSECURE") {
		t.Errorf("attestation = %+v", att)
	}
	k.Close()
	if _, err := k.Sign(context.Background(), hsmtest.Hash(0)); err == nil {
		t.Error("Sign after Close succeeded")
	}
}

func TestCreateRefusesOverwrite(t *testing.T) {
	path, _ := create(t)
	before, _ := os.ReadFile(path)
	_, err := Create(context.Background(), path, hsm.FixedPIN("other"))
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Create over an existing key = %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("refused Create changed the file")
	}
}

func TestEmptyPassphrase(t *testing.T) {
	_, err := Create(context.Background(), filepath.Join(t.TempDir(), "k"), hsm.FixedPIN(""))
	if err == nil || err.Error() != "the software key passphrase is empty; choose a non-empty passphrase" {
		t.Fatalf("Create with empty passphrase = %v", err)
	}
}

type forgetful struct {
	hsm.FixedPIN
	forgot bool
}

func (f *forgetful) Forget() { f.forgot = true }

func TestWrongPassphrase(t *testing.T) {
	path, _ := create(t)
	p := &forgetful{FixedPIN: hsm.FixedPIN("wrong")}
	_, err := Open(context.Background(), path, p)
	if !errors.Is(err, hsm.ErrWrongPIN) {
		t.Fatalf("Open with wrong passphrase = %v, want ErrWrongPIN", err)
	}
	if want := "soft key " + path + ": wrong PIN"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if !p.forgot {
		t.Error("wrong passphrase did not make the prompt forget it")
	}
}

func TestDamagedFile(t *testing.T) {
	path, _ := create(t)
	good, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name    string
		edit    func([]byte) []byte
		wantErr string
	}{
		{"truncated", func(b []byte) []byte { return b[:100] }, "100 bytes, want 170 (truncated or extended)"},
		{"empty", func(b []byte) []byte { return nil }, "not a signet software key (bad magic)"},
		{"extended", func(b []byte) []byte { return append(b, 0) }, "171 bytes, want 170 (truncated or extended)"},
		{"flipped ciphertext", func(b []byte) []byte { b[100] ^= 1; return b }, "checksum mismatch"},
		{"flipped checksum", func(b []byte) []byte { b[160] ^= 1; return b }, "checksum mismatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k")
			os.WriteFile(p, tc.edit(append([]byte(nil), good...)), 0o600)
			_, err := Open(context.Background(), p, hsm.FixedPIN("correct horse"))
			want := "soft key " + p + ": " + tc.wantErr + ": the key file is damaged; restore it from a backup or create a new key"
			if !errors.Is(err, hsm.ErrCorruptBlob) || err.Error() != want {
				t.Fatalf("Open = %v\nwant %s", err, want)
			}
		})
	}
	t.Run("version", func(t *testing.T) {
		b := append([]byte(nil), good...)
		b[8] = 2
		p := filepath.Join(t.TempDir(), "k")
		os.WriteFile(p, b, 0o600)
		_, err := Open(context.Background(), p, hsm.FixedPIN("correct horse"))
		if err == nil || !strings.Contains(err.Error(), "has version 2, this signet reads version 1; upgrade signet") {
			t.Fatalf("Open = %v", err)
		}
	})
}

func TestModeCheck(t *testing.T) {
	path, _ := create(t)
	os.Chmod(path, 0o640)
	_, err := Open(context.Background(), path, hsm.FixedPIN("correct horse"))
	want := "key file " + path + " has mode 0640, which lets other users read it; run chmod 600 " + path
	if err == nil || err.Error() != want {
		t.Fatalf("Open = %v\nwant %s", err, want)
	}
}

// TestLayout pins the byte layout of version 1.
func TestLayout(t *testing.T) {
	f := &file{kdf: kdfParams{Time: 3, Memory: 0x10000, Threads: 4}, public: make([]byte, 32), sealed: make([]byte, sealedLen)}
	b := f.marshal()
	want := []byte{
		'S', 'G', 'N', 'T', 'S', 'O', 'F', 'T', // magic
		1,          // version
		0, 0, 0, 3, // argon2 time
		0, 1, 0, 0, // argon2 memory, KiB (64 MiB)
		4, // argon2 threads
	}
	if string(b[:len(want)]) != string(want) || len(b) != fileLen {
		t.Fatalf("layout = % x (len %d)", b[:len(want)], len(b))
	}
	if _, err := parse("x", b); err != nil {
		t.Fatalf("parse(marshal) = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add((&file{kdf: defaultKDF, public: make([]byte, 32), sealed: make([]byte, sealedLen)}).marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := parse("x", b)
		if err != nil {
			return
		}
		if string(got.marshal()) != string(b) {
			t.Fatal("parse then marshal does not round-trip")
		}
	})
}

func BenchmarkSignSoft(b *testing.B) {
	path, _ := create(b)
	k, err := Open(context.Background(), path, hsm.FixedPIN("correct horse"))
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	hsmtest.BenchSign(b, "sign-soft", k)
}
