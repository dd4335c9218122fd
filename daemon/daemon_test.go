package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/testrig"
	"github.com/signetbox/signet/statedir"
)

// passphrase unlocks the test's soft keys.
const passphrase = "daemon test passphrase"

// softState makes a state directory holding a soft key, as 'signet key
// init --hsm soft' writes it, and returns its key state.
func softState(t *testing.T) *statedir.KeyState {
	t.Helper()
	dir := t.TempDir()
	testrig.SoftKey(t, dir, filepath.Join(t.TempDir(), statedir.SoftKey), passphrase)
	ks, err := statedir.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// openSoft opens the soft key of ks.
func openSoft(t *testing.T, ks *statedir.KeyState) hsm.Key {
	t.Helper()
	k, err := soft.Open(context.Background(), ks.URI.Path, hsm.FixedPIN(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// printed is err as the CLI prints it.
func printed(err error) string {
	var b bytes.Buffer
	cli.PrintError(&b, "signet", err)
	return b.String()
}

func TestSocketGroup(t *testing.T) {
	tests := []struct {
		name  string
		given bool
		gid   int
		err   string
	}{
		{"", true, -1, ""},
		{"no-such-group-signet", false, -1, ""},
		{"no-such-group-signet", true, -1, "signet: error: --group \"no-such-group-signet\": group: unknown group no-such-group-signet\n" +
			"signet: hint: create the group (groupadd no-such-group-signet), or pass --group \"\" to keep the socket to the daemon's user and root\n"},
		{"root", true, 0, ""},
	}
	for _, tt := range tests {
		gid, err := SocketGroup(tt.name, tt.given)
		if gid != tt.gid || (err == nil) != (tt.err == "") || err != nil && printed(err) != tt.err {
			t.Errorf("SocketGroup(%q, %t) = %d, %v; want %d, %q", tt.name, tt.given, gid, err, tt.gid, tt.err)
		}
	}
}

func TestEnsureAuthority(t *testing.T) {
	ks := softState(t)
	key := openSoft(t, ks)
	st, err := OpenState(ks)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	err = EnsureAuthority(ctx, io.Discard, st.Store, st.Journal, key, false)
	if got := printed(err); !strings.HasPrefix(got, "signet: error: ") || !strings.Contains(got, "signet: hint: import one with 'signet chain import'") {
		t.Errorf("an empty chain store without --demo-authority: %q", got)
	}
	var log bytes.Buffer
	if err := EnsureAuthority(ctx, &log, st.Store, st.Journal, key, true); err != nil {
		t.Fatal(err)
	}
	if want := "signet: created a DEMO authority in " + ks.Dir + " (box key + a throw-away key); not for a real tailnet\n"; log.String() != want {
		t.Errorf("log %q, want %q", log.String(), want)
	}
	log.Reset()
	if err := EnsureAuthority(ctx, &log, st.Store, st.Journal, key, true); err != nil || log.Len() != 0 {
		t.Errorf("with an authority: %v, log %q; want nothing", err, log.String())
	}
}

func TestOpenState(t *testing.T) {
	t.Run("torn journal", func(t *testing.T) {
		ks := softState(t)
		f, err := os.OpenFile(statedir.Path(ks.Dir, statedir.Journal), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"partial`)
		f.Close()
		_, err = OpenState(ks)
		if got := printed(err); !strings.Contains(got, "signet: hint: run 'signet journal repair' (it keeps the torn bytes aside) and start again\n") {
			t.Errorf("a torn journal: %q", got)
		}
	})
	t.Run("files disagree", func(t *testing.T) {
		ks := softState(t)
		st, err := OpenState(ks)
		if err != nil {
			t.Fatal(err)
		}
		if err := EnsureAuthority(context.Background(), io.Discard, st.Store, st.Journal, openSoft(t, ks), true); err != nil {
			t.Fatal(err)
		}
		st.Close()
		// The journal says the demo genesis is in the chain; a chain.log
		// without it disagrees.
		if err := os.Remove(statedir.Path(ks.Dir, statedir.Chain)); err != nil {
			t.Fatal(err)
		}
		_, err = OpenState(ks)
		got := printed(err)
		if !strings.HasPrefix(got, "signet: error: ") || !strings.HasSuffix(got, "signet: hint: signet serve does not start until the state dir's files agree; 'signet journal verify --state DIR' runs the same checks\n") {
			t.Errorf("files that disagree: %q", got)
		}
	})
	t.Run("no state dir", func(t *testing.T) {
		ks := softState(t)
		ks.Dir = filepath.Join(ks.Dir, "missing")
		if _, err := OpenState(ks); err == nil {
			t.Error("a missing state dir opened")
		}
	})
}

func TestStopHint(t *testing.T) {
	if want := fmt.Sprintf("kill %d from another terminal.", os.Getpid()); !strings.HasSuffix(StopHint(), want) {
		t.Errorf("StopHint() = %q, want it to end %q", StopHint(), want)
	}
}
