package ceremony

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// hints returns the hints err carries (the CLI prints them).
func hints(err error) []string {
	var h interface{ Hints() []string }
	if errors.As(err, &h) {
		return h.Hints()
	}
	return nil
}

// recordSoftKey makes a soft key in dir and records it as 'signet key
// init' does, with an attestation.
func recordSoftKey(t *testing.T, dir string) *BoxKey {
	t.Helper()
	b := softKey(t, dir)
	att := hsm.Attestation{Backend: "soft", Summary: "software key"}
	if err := statedir.WriteKey(dir, b.URI, b.Public, statedir.NewAttestationDoc(b.URI, b.Public, att)); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenNewKey opens a ceremony in a new state directory: it is made,
// the lock is taken and given back, and a genesis store is opened.
func TestOpenNewKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, err := Open(dir, "", "soft", true)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir: %v, %v", fi, err)
	}
	if s.StateDir != dir || s.OutDir != dir || s.Key != nil || s.Journal == nil || s.Chain == nil {
		t.Errorf("setup: %+v", s)
	}
	if _, err := statedir.TakeLock(dir); err == nil {
		t.Error("the lock is not held while the setup is open")
	}
	s.Close()
	s.Close() // twice is harmless
	unlock, err := statedir.TakeLock(dir)
	if err != nil {
		t.Fatalf("the lock is still held after Close: %v", err)
	}
	unlock()
}

// TestOpenExistingKey takes the key in the state directory, with its
// attestation, and writes the transcript to another directory.
func TestOpenExistingKey(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	b := recordSoftKey(t, dir)
	s, err := Open(dir, out, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Key == nil || !s.Key.Public.Equal(b.Public) || s.Key.URI != b.URI || s.Key.Attestation == nil || s.Key.Attestation.Summary != "software key" {
		t.Errorf("key: %+v", s.Key)
	}
	if s.OutDir != out || s.Chain != nil {
		t.Errorf("out %q, chain %v", s.OutDir, s.Chain)
	}
}

// TestOpenRefuses checks every refusal and its hint; a refusal leaves
// the lock free.
func TestOpenRefuses(t *testing.T) {
	withKey := t.TempDir()
	recordSoftKey(t, withKey)
	unreadable := t.TempDir()
	if err := os.WriteFile(statedir.Path(unreadable, statedir.KeyURI), []byte("nonsense:\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	locked := t.TempDir()
	unlock, err := statedir.TakeLock(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	torn := t.TempDir()
	if err := os.WriteFile(statedir.Path(torn, statedir.Journal), []byte(`{"seq":1`), 0o600); err != nil {
		t.Fatal(err)
	}
	withChain := chainDir(t)
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	blocked := filepath.Join(notDir, "state") // under a file: cannot be made

	for _, tt := range []struct {
		name, state, out, backend string
		genesis                   bool
		err, hint                 string
	}{
		{"no key, no --hsm", t.TempDir(), "", "", false, "no key in ", "pass --hsm tpm"},
		{"another backend", withKey, "", "tpm", false, "--hsm tpm: " + withKey + " already holds a soft key", "drop --hsm"},
		{"unreadable key", unreadable, "", "soft", false, unreadable + "/key.uri: key URI scheme \"nonsense\"", ""},
		{"--out not a directory", t.TempDir(), notDir, "soft", false, "--out " + notDir + " is not a directory", "mount the medium"},
		{"--out missing", t.TempDir(), notDir + "x", "soft", false, "--out " + notDir + "x is not a directory", "mount the medium"},
		{"locked", locked, "", "soft", false, "", "stop signet serve while the ceremony runs"},
		{"torn journal", torn, "", "soft", false, "", "run 'signet journal repair' (it keeps the torn bytes aside) and start again"},
		{"genesis into a chain", withChain, "", "soft", true, "--genesis: the chain store in " + withChain + " already holds an authority", "run the ceremony without --genesis"},
		{"state dir cannot be made", blocked, "", "soft", false, "making the state directory: ", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.state, tt.out, tt.backend, tt.genesis)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("error %q, want the prefix %q", err, tt.err)
			}
			if h := strings.Join(hints(err), "\n"); !strings.HasPrefix(h, tt.hint) {
				t.Errorf("hints %q, want the prefix %q", h, tt.hint)
			}
			if tt.state == locked {
				return
			}
			if unlock, err := statedir.TakeLock(tt.state); err == nil {
				unlock()
			} else if !os.IsNotExist(errors.Unwrap(err)) && tt.state != blocked {
				t.Errorf("the lock is held after a refusal: %v", err)
			}
		})
	}
}

// chainDir is a state directory whose chain store holds a genesis AUM.
func chainDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c, err := chaingen.Build(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := signer.OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Commit([]tka.Entry{{Hash: c.Genesis.Hash(), AUM: c.Genesis}}); err != nil {
		t.Fatal(err)
	}
	return dir
}
