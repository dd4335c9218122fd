package statedir

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/tka"
)

func testKey(t *testing.T, dir string) (hsm.URI, ed25519.PublicKey, *AttestationDoc) {
	t.Helper()
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	u, err := hsm.ParseURI("soft:" + filepath.Join(dir, SoftKey))
	if err != nil {
		t.Fatal(err)
	}
	att := NewAttestationDoc(u, pub, hsm.Attestation{Backend: "soft", Summary: "software key", Facts: map[string]string{"kdf": "argon2id"}, Evidence: [][]byte{{1, 2}}})
	return u, pub, att
}

func TestWriteAndLoadKey(t *testing.T) {
	dir := t.TempDir()
	u, pub, att := testKey(t, dir)
	if ok, err := HasKey(dir); ok || err != nil {
		t.Fatalf("HasKey of an empty dir = %v, %v", ok, err)
	}
	if _, err := LoadKey(dir); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "no key in "+dir+": key.uri does not exist") {
		t.Fatalf("LoadKey of an empty dir: %v, want ErrNoKey", err)
	}
	if err := WriteKey(dir, u, pub, att); err != nil {
		t.Fatal(err)
	}
	if ok, err := HasKey(dir); !ok || err != nil {
		t.Fatalf("HasKey after WriteKey = %v, %v", ok, err)
	}
	for name, want := range map[string]string{KeyURI: u.String() + "\n", KeyPub: tka.FormatTLPub(pub) + "\n"} {
		if b, _ := os.ReadFile(Path(dir, name)); string(b) != want {
			t.Errorf("%s holds %q, want %q", name, b, want)
		}
	}
	ks, err := LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ks.Dir != dir || ks.URI.String() != u.String() || !ks.Pub.Equal(pub) || !reflect.DeepEqual(ks.Att, att) {
		t.Fatalf("LoadKey = %+v, want what was written", ks)
	}
	if got := ks.Att.HSM(); got.Backend != "soft" || got.Summary != "software key" || got.Facts["kdf"] != "argon2id" || len(got.Evidence) != 1 {
		t.Fatalf("HSM() = %+v", got)
	}
	// Never overwritten in place.
	if err := WriteKey(dir, u, pub, att); err == nil {
		t.Fatal("a second WriteKey succeeded over the first")
	}
}

// The attestation's JSON field names are a contract (attestation.json
// and the key verbs' --json output).
func TestAttestationJSON(t *testing.T) {
	dir := t.TempDir()
	u, pub, att := testKey(t, dir)
	if err := WriteKey(dir, u, pub, att); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(Path(dir, Attestation))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"backend", "created", "evidence", "facts", "hardware", "publicKey", "schema", "summary", "uri"}
	if !slices.Equal(keys, want) {
		t.Fatalf("attestation.json keys %q, want %q", keys, want)
	}
	if m["schema"] != float64(AttestationSchema) || m["publicKey"] != tka.FormatTLPub(pub) || m["backend"] != "soft" {
		t.Fatalf("attestation.json: %s", b)
	}
}

func TestLoadKeyErrors(t *testing.T) {
	u, pub, att := testKey(t, t.TempDir())
	attJSON, _ := json.Marshal(att)
	newer := *att
	newer.Schema = AttestationSchema + 1
	newerJSON, _ := json.Marshal(&newer)
	good := map[string]string{KeyURI: u.String() + "\n", KeyPub: tka.FormatTLPub(pub) + "\n", Attestation: string(attJSON)}
	for _, tc := range []struct {
		name, file, data, want string
	}{
		{"bad uri", KeyURI, "nonsense:x\n", "key.uri: "},
		{"no pub", KeyPub, "", "reading the public key"},
		{"bad pub", KeyPub, "tlpub:zz\n", "key.pub: "},
		{"bad attestation", Attestation, "{", "attestation.json is not valid JSON"},
		{"newer attestation", Attestation, string(newerJSON), "has schema 2, want 1; upgrade signet"},
		{"unreadable uri", KeyURI, "", "reading the key URI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range good {
				if err := os.WriteFile(Path(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			path := Path(dir, tc.file)
			switch {
			case tc.name == "no pub":
				os.Remove(path)
			case strings.HasPrefix(tc.name, "unreadable"):
				os.Remove(path)
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			default:
				if err := os.WriteFile(path, []byte(tc.data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := LoadKey(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadKey: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Without attestation.json the key still loads; Att is nil.
	dir := t.TempDir()
	for _, name := range []string{KeyURI, KeyPub} {
		if err := os.WriteFile(Path(dir, name), []byte(good[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if ks, err := LoadKey(dir); err != nil || ks.Att != nil {
		t.Fatalf("LoadKey without attestation.json = %+v, %v", ks, err)
	}
	// An unreadable attestation is an error, not a missing one.
	if err := os.Mkdir(Path(dir, Attestation), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(dir); err == nil || !strings.Contains(err.Error(), "reading the attestation") {
		t.Fatalf("attestation.json a directory: %v", err)
	}
}

func TestMoveAsideAndReplaced(t *testing.T) {
	dir := t.TempDir()
	u, pub, att := testKey(t, dir)
	if err := WriteKey(dir, u, pub, att); err != nil {
		t.Fatal(err)
	}
	oldPub, _ := os.ReadFile(Path(dir, KeyPub))
	moved, err := MoveAside(dir, ReplacedKeyFiles()...)
	if err != nil {
		t.Fatal(err)
	}
	if len(moved) != 3 {
		t.Fatalf("moved %q, want the three key files (the others are missing)", moved)
	}
	if ok, _ := HasKey(dir); ok {
		t.Fatal("key.uri is still there after MoveAside")
	}
	old := Replaced(dir, KeyPub)
	if len(old) != 1 || !strings.HasPrefix(filepath.Base(old[0]), "key.pub.replaced-") {
		t.Fatalf("Replaced = %q", old)
	}
	if b, _ := os.ReadFile(old[0]); string(b) != string(oldPub) {
		t.Fatalf("the kept key.pub holds %q", b)
	}
	if got := Replaced(dir, SoftKey); len(got) != 0 {
		t.Fatalf("Replaced of a file never there = %q", got)
	}
	// A file that cannot be moved stops MoveAside with its name.
	if err := os.WriteFile(Path(dir, "plain"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := MoveAside(dir, "plain/x"); err == nil || !strings.Contains(err.Error(), "moving the old plain/x aside") {
		t.Fatalf("MoveAside of an impossible path: %v", err)
	}
}

func TestHasKeyError(t *testing.T) {
	dir := t.TempDir()
	file := Path(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// key.uri under a regular file: ENOTDIR, not "no key".
	if ok, err := HasKey(file); ok || err == nil || !strings.Contains(err.Error(), "checking "+Path(file, KeyURI)) {
		t.Fatalf("HasKey under a file = %v, %v", ok, err)
	}
}

func TestNamesAndAbs(t *testing.T) {
	if !slices.Equal(KeyFiles(), []string{"key.uri", "key.pub", "attestation.json"}) {
		t.Fatalf("KeyFiles = %q: the journal pins these names; changing them breaks every pinned state dir", KeyFiles())
	}
	for _, name := range KeyFiles() {
		if !slices.Contains(ReplacedKeyFiles(), name) {
			t.Errorf("a replaced key leaves %s in place", name)
		}
	}
	got, err := Abs("rel")
	wd, _ := os.Getwd()
	if err != nil || got != filepath.Join(wd, "rel") {
		t.Fatalf("Abs(rel) = %q, %v", got, err)
	}
}
