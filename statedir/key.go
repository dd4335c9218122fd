package statedir

// The state directory holds only public data about the key: its URI, its
// public key and its attestation. No PIN, passphrase, lockout secret or
// management key is ever written here. The key files are created whole
// (internal/durable) and never overwritten in place: a replaced key's
// files are moved aside.

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/durable"
	"github.com/signetbox/signet/tka"
)

// ErrNoKey means the state directory holds no key: key.uri is missing.
var ErrNoKey = errors.New("no key in the state directory")

// noKeyError says which state directory holds no key; it is ErrNoKey.
type noKeyError struct{ dir string }

func (e noKeyError) Error() string {
	return fmt.Sprintf("no key in %s: %s does not exist", e.dir, KeyURI)
}
func (e noKeyError) Is(target error) bool { return target == ErrNoKey }

// KeyState is what the state directory says about the box's key.
type KeyState struct {
	Dir string // the state directory, absolute
	URI hsm.URI
	Pub ed25519.PublicKey
	Att *AttestationDoc // nil when attestation.json is missing
}

// LoadKey reads key.uri, key.pub and attestation.json from dir. Without
// key.uri the error wraps ErrNoKey.
func LoadKey(dir string) (*KeyState, error) {
	dir, err := Abs(dir)
	if err != nil {
		return nil, err
	}
	s := &KeyState{Dir: dir}
	b, err := os.ReadFile(Path(dir, KeyURI))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, noKeyError{dir}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the key URI: %w", err)
	}
	if s.URI, err = hsm.ParseURI(strings.TrimSpace(string(b))); err != nil {
		return nil, fmt.Errorf("%s: %w", Path(dir, KeyURI), err)
	}
	if b, err = os.ReadFile(Path(dir, KeyPub)); err != nil {
		return nil, fmt.Errorf("reading the public key: %w", err)
	}
	if s.Pub, err = tka.ParseTLPub(strings.TrimSpace(string(b))); err != nil {
		return nil, fmt.Errorf("%s: %w", Path(dir, KeyPub), err)
	}
	s.Att, err = readAttestation(Path(dir, Attestation))
	return s, err
}

// HasKey reports whether dir holds key.uri (readable or not); an error
// other than its absence is returned.
func HasKey(dir string) (bool, error) {
	_, err := os.Lstat(Path(dir, KeyURI))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("checking %s: %w", Path(dir, KeyURI), err)
}

// WriteKey writes key.pub, attestation.json and then key.uri (mode 0644,
// each a new file): key.uri's presence means the key files are complete.
func WriteKey(dir string, u hsm.URI, pub ed25519.PublicKey, att *AttestationDoc) error {
	j, err := json.MarshalIndent(att, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the attestation: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{KeyPub, []byte(tka.FormatTLPub(pub) + "\n")},
		{Attestation, append(j, '\n')},
		{KeyURI, []byte(u.String() + "\n")}, // last: its presence means "done"
	}
	for _, f := range files {
		if err := WriteNew(Path(dir, f.name), f.data); err != nil {
			return err
		}
	}
	return nil
}

// WriteNew writes public data to a new file at path (mode 0644), durably;
// it fails if the file exists.
func WriteNew(path string, data []byte) error {
	return durable.Create(path, data, 0o644)
}

// MoveAside renames the named files in dir to NAME.replaced-TIMESTAMP, so
// a replaced key can still be recovered by hand, and returns the new
// paths. Missing files are skipped.
func MoveAside(dir string, names ...string) ([]string, error) {
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var moved []string
	for _, n := range names {
		from := Path(dir, n)
		to := from + replacedSuffix + stamp
		if err := os.Rename(from, to); errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return moved, fmt.Errorf("moving the old %s aside: %w", n, err)
		}
		moved = append(moved, to)
	}
	if len(moved) > 0 {
		return moved, durable.SyncDir(dir)
	}
	return moved, nil
}

// replacedSuffix marks a key file MoveAside kept: NAME.replaced-<time>.
const replacedSuffix = ".replaced-"

// Replaced lists the copies of the key file name that MoveAside kept in
// dir.
func Replaced(dir, name string) []string {
	old, _ := filepath.Glob(Path(dir, name+replacedSuffix+"*"))
	return old
}
