package confine

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/statedir"
)

// The helper runs as a child of the test: it confines itself to
// $CONFINE_TEST_STATE with Exec, and once re-executed inside the domain it
// reports, one line per probe, what it could and could not do.
const helperEnv = "CONFINE_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helper())
	}
	os.Exit(m.Run())
}

func helper() int {
	state, outside := os.Getenv("CONFINE_TEST_STATE"), os.Getenv("CONFINE_TEST_OUTSIDE")
	if _, ok := Marked(); !ok {
		exe, err := os.Executable()
		if err == nil {
			var p Policy
			if p, err = Base(exe); err == nil {
				p.Add(state, Write)
				err = Exec(p, exe, os.Args, os.Environ())
			}
		}
		fmt.Println("exec:", err)
		return 3
	}
	fmt.Println("verify:", errText(Verify()))
	_, err := os.ReadFile(outside)
	fmt.Println("read outside:", errText(err))
	err = os.WriteFile(filepath.Join(filepath.Dir(outside), "new"), []byte("x"), 0o600)
	fmt.Println("create outside:", errText(err))
	err = os.WriteFile(statedir.Path(state, statedir.Journal), []byte("entry\n"), 0o600)
	fmt.Println("write state:", errText(err))
	err = os.Rename(statedir.Path(state, statedir.Journal), filepath.Join(state, "journal.old"))
	fmt.Println("rename in state:", errText(err))
	_, err = exec.Command("/bin/true").Output()
	fmt.Println("exec /bin/true:", errText(err))
	_, err = os.ReadFile("/etc/shadow")
	fmt.Println("read /etc/shadow:", errText(err))
	_, err = os.ReadFile("/etc/passwd")
	fmt.Println("read /etc/passwd:", errText(err))
	u, err := user.LookupId("0")
	if err == nil {
		fmt.Println("lookup uid 0:", u.Username)
	} else {
		fmt.Println("lookup uid 0:", err)
	}
	return 0
}

func errText(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	return err.Error()
}

func runHelper(t *testing.T) string {
	t.Helper()
	state, other := t.TempDir(), t.TempDir()
	outside := filepath.Join(other, "secret")
	if err := os.WriteFile(outside, []byte("not for signet"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "CONFINE_TEST_STATE="+state, "CONFINE_TEST_OUTSIDE="+outside)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	return string(out)
}

// TestConfinedChild confines a child with the daemon's code and checks it
// can use its state directory and nothing else.
func TestConfinedChild(t *testing.T) {
	abi, err := ABI()
	if errors.Is(err, ErrNoLandlock) {
		if !testenv.InCI() {
			t.Skip("this kernel has no Landlock; TestRefusesWithoutLandlock covers the refusal")
		}
		// In CI, a kernel without Landlock must make Exec refuse.
		if err := Exec(Policy{}, "/bin/true", nil, nil); !errors.Is(err, ErrNoLandlock) {
			t.Fatalf("Exec without Landlock: %v, want ErrNoLandlock", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Landlock ABI %d", abi)
	want := strings.Join([]string{
		"verify: ok",
		"read outside: permission denied",
		"create outside: permission denied",
		"write state: ok",
		"rename in state: ok",
		"exec /bin/true: permission denied",
		"read /etc/shadow: permission denied",
		"read /etc/passwd: ok",
		"lookup uid 0: root",
		"",
	}, "\n")
	if got := runHelper(t); got != want {
		t.Errorf("confined child reported\n%s\nwant\n%s", got, want)
	}
}

// TestRefusesWithoutLandlock checks the refusal path on any kernel.
func TestRefusesWithoutLandlock(t *testing.T) {
	testOnlyABI = func() (int, error) { return 0, ErrNoLandlock }
	defer func() { testOnlyABI = nil }()
	if err := Exec(Policy{}, "/bin/true", nil, nil); !errors.Is(err, ErrNoLandlock) {
		t.Fatalf("Exec: %v, want ErrNoLandlock", err)
	}
}

// TestVerifyUnconfined checks that the marker alone is not trusted.
func TestVerifyUnconfined(t *testing.T) {
	if err := Verify(); !errors.Is(err, ErrNotConfined) {
		t.Fatalf("Verify outside a domain: %v, want ErrNotConfined", err)
	}
}
