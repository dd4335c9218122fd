package soft

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/hsmtest"
)

// mustUnchanged fails unless the file at path still holds before.
func mustUnchanged(t *testing.T, path string, before []byte) {
	t.Helper()
	if after, err := os.ReadFile(path); err != nil || !bytes.Equal(after, before) {
		t.Fatalf("key file changed (err %v)", err)
	}
}

// dirNames lists the names in the directory of path.
func dirNames(t *testing.T, path string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestChangePassphrase(t *testing.T) {
	path, pub := create(t)
	before, _ := os.ReadFile(path)
	if err := ChangePassphrase(context.Background(), path, []byte("correct horse"), []byte("battery staple")); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	fb, _ := parse(path, before)
	fa, err := parse(path, after)
	if err != nil {
		t.Fatal(err)
	}
	if fa.salt == fb.salt || fa.nonce == fb.nonce || bytes.Equal(fa.sealed, fb.sealed) {
		t.Error("the new file reuses the old salt, nonce or ciphertext")
	}
	if !fa.public.Equal(pub) {
		t.Fatalf("public key in the file changed: %x, want %x", fa.public, pub)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode after change = %v, %v; want 0600", fi.Mode(), err)
	}
	if names := dirNames(t, path); !slices.Equal(names, []string{"key.soft"}) {
		t.Fatalf("directory after change = %v, want only key.soft", names)
	}
	if _, err := Open(context.Background(), path, hsm.FixedPIN("correct horse")); !errors.Is(err, hsm.ErrWrongPIN) {
		t.Fatalf("Open with the old passphrase = %v, want ErrWrongPIN", err)
	}
	k, err := Open(context.Background(), path, hsm.FixedPIN("battery staple"))
	if err != nil {
		t.Fatalf("Open with the new passphrase: %v", err)
	}
	defer k.Close()
	if !k.PublicKey().Equal(pub) {
		t.Fatalf("public key changed: %x, want %x", k.PublicKey(), pub)
	}
	hsmtest.SignAndVerify(t, k, 10)
}

func TestChangePassphraseWrongOld(t *testing.T) {
	path, _ := create(t)
	before, _ := os.ReadFile(path)
	err := ChangePassphrase(context.Background(), path, []byte("correct hose"), []byte("battery staple"))
	if !errors.Is(err, hsm.ErrWrongPIN) {
		t.Fatalf("ChangePassphrase with a wrong old passphrase = %v, want ErrWrongPIN", err)
	}
	want := "soft key " + path + ": wrong passphrase; nothing was changed, type the current passphrase"
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
	mustUnchanged(t, path, before)
	if names := dirNames(t, path); !slices.Equal(names, []string{"key.soft"}) {
		t.Fatalf("directory = %v, want only key.soft", names)
	}
	// A wrong current passphrase typed again as the new one is still
	// reported as wrong, not as unchanged.
	err = ChangePassphrase(context.Background(), path, []byte("correct hose"), []byte("correct hose"))
	if !errors.Is(err, hsm.ErrWrongPIN) {
		t.Fatalf("ChangePassphrase(wrong, wrong) = %v, want ErrWrongPIN", err)
	}
	mustUnchanged(t, path, before)
}

func TestChangePassphraseRefusals(t *testing.T) {
	path, _ := create(t)
	before, _ := os.ReadFile(path)
	for _, tc := range []struct {
		name, old, new, wantErr string
	}{
		{"empty", "correct horse", "", "the software key passphrase is empty; choose a non-empty passphrase"},
		{"same", "correct horse", "correct horse", "the new passphrase is the current one; choose a different passphrase"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ChangePassphrase(context.Background(), path, []byte(tc.old), []byte(tc.new))
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("ChangePassphrase = %v, want %q", err, tc.wantErr)
			}
			mustUnchanged(t, path, before)
		})
	}
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := ChangePassphrase(ctx, path, []byte("correct horse"), []byte("battery staple"))
		if !errors.Is(err, hsm.ErrCanceled) {
			t.Fatalf("ChangePassphrase with a canceled context = %v, want ErrCanceled", err)
		}
		mustUnchanged(t, path, before)
	})
	t.Run("damaged", func(t *testing.T) {
		b := bytes.Clone(before)
		b[100] ^= 1
		p := filepath.Join(t.TempDir(), "key.soft")
		os.WriteFile(p, b, 0o600)
		err := ChangePassphrase(context.Background(), p, []byte("correct horse"), []byte("battery staple"))
		if !errors.Is(err, hsm.ErrCorruptBlob) {
			t.Fatalf("ChangePassphrase of a damaged file = %v, want ErrCorruptBlob", err)
		}
		mustUnchanged(t, p, b)
	})
}

// TestStaleTempFiles leaves what a crash during a write can leave next to
// the key file: a truncated temporary file, a damaged one and a complete
// copy. Open ignores them; ChangePassphrase removes them.
func TestStaleTempFiles(t *testing.T) {
	path, pub := create(t)
	good, _ := os.ReadFile(path)
	dir := filepath.Dir(path)
	damaged := bytes.Clone(good)
	damaged[120] ^= 0xff
	stale := map[string][]byte{
		".key.soft.tmp111": good[:37],
		".key.soft.tmp222": damaged,
		".key.soft.tmp333": good,
		".key.soft.tmp444": nil,
	}
	for name, b := range stale {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "other"), []byte("not ours"), 0o600)

	k, err := Open(context.Background(), path, hsm.FixedPIN("correct horse"))
	if err != nil {
		t.Fatalf("Open next to stale temporary files: %v", err)
	}
	if !k.PublicKey().Equal(pub) {
		t.Fatal("Open read another file")
	}
	k.Close()

	if err := ChangePassphrase(context.Background(), path, []byte("correct horse"), []byte("battery staple")); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, path); !slices.Equal(names, []string{"key.soft", "other"}) {
		t.Fatalf("directory after change = %v, want key.soft and other", names)
	}
	k, err = Open(context.Background(), path, hsm.FixedPIN("battery staple"))
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
}
