package soft

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/internal/keyfile"
)

// ErrSamePassphrase means the new passphrase equals the current one.
var ErrSamePassphrase = errors.New("the new passphrase is the current one; choose a different passphrase")

// WrongPassphraseError is a current passphrase that does not decrypt the
// key file. errors.Is(err, hsm.ErrWrongPIN) is true for it.
type WrongPassphraseError struct {
	Path string // the key file, which was left as it was
}

// Error names the key file and says that it was not changed.
func (e *WrongPassphraseError) Error() string {
	return fmt.Sprintf("soft key %s: wrong passphrase; nothing was changed, type the current passphrase", e.Path)
}

// Unwrap returns hsm.ErrWrongPIN.
func (e *WrongPassphraseError) Unwrap() error { return hsm.ErrWrongPIN }

// checkNewPassphrase enforces the minimum for a new passphrase, the same
// for Create and ChangePassphrase.
func checkNewPassphrase(pass []byte) error {
	if len(pass) == 0 {
		return errors.New("the software key passphrase is empty; choose a non-empty passphrase")
	}
	return nil
}

// ChangePassphrase decrypts the key file at path with oldPass and replaces
// it atomically with one sealed under newPass, a fresh salt and a fresh
// nonce; the public key stays. A wrong oldPass is a *WrongPassphraseError,
// an empty newPass or one equal to oldPass is refused, and each leaves the
// file as it was. The caller wipes both passphrases.
//
// Temporary files that an interrupted write left next to path are removed,
// so the caller must keep other writers of path away (signet holds the
// state dir lock).
func ChangePassphrase(ctx context.Context, path string, oldPass, newPass []byte) error {
	if ctx.Err() != nil {
		return hsm.Canceled(ctx)
	}
	if err := checkNewPassphrase(newPass); err != nil {
		return err
	}
	f, err := readFile(path)
	if err != nil {
		return err
	}
	seed, err := unseal(path, f, oldPass)
	if err != nil {
		return err
	}
	defer hsm.Wipe(seed)
	// After unseal, so a mistyped current passphrase is reported as such.
	if subtle.ConstantTimeCompare(oldPass, newPass) == 1 {
		return ErrSamePassphrase
	}
	if ctx.Err() != nil {
		return hsm.Canceled(ctx)
	}
	nf := seal(f.public, seed, newPass)
	if err := removeStaleTemps(path); err != nil {
		return err
	}
	if err := keyfile.Replace(path, nf.marshal()); err != nil {
		return fmt.Errorf("changing the passphrase of the soft key: %w", err)
	}
	return nil
}

// unseal decrypts the seed of f and checks it against the stored public
// key. The caller wipes the seed.
func unseal(path string, f *file, pass []byte) ([]byte, error) {
	seed, err := newAEAD(f, pass).Open(nil, f.nonce[:], f.sealed, f.header())
	if err != nil {
		return nil, &WrongPassphraseError{Path: path}
	}
	priv := ed25519.NewKeyFromSeed(seed)
	defer hsm.Wipe(priv)
	if !priv.Public().(ed25519.PublicKey).Equal(f.public) {
		hsm.Wipe(seed)
		return nil, fmt.Errorf("soft key %s: the seed does not match the stored public key: %w; restore it from a backup", path, hsm.ErrCorruptBlob)
	}
	return seed, nil
}

// seal encrypts seed under pass with the current KDF parameters, a fresh
// salt and a fresh nonce.
func seal(pub ed25519.PublicKey, seed, pass []byte) *file {
	f := &file{kdf: defaultKDF, public: pub}
	if testOnlyKDF != nil {
		f.kdf = *testOnlyKDF
	}
	rand.Read(f.salt[:])
	rand.Read(f.nonce[:])
	f.sealed = newAEAD(f, pass).Seal(nil, f.nonce[:], seed, f.header())
	return f
}

// removeStaleTemps deletes the temporary files keyfile writes next to path
// (".NAME.tmp<digits>") that a crash left behind.
//
// NOTE: such a file may hold the seed sealed under an earlier passphrase,
// which is exactly what changing the passphrase means to retire.
func removeStaleTemps(path string) error {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+".tmp"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("looking for stale temporary key files: %w", err)
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing the stale temporary key file %s: %w; remove it by hand", p, err)
		}
	}
	return nil
}
