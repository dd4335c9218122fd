package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/confine"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/statedir"
)

// envConfineChild makes the test binary a daemon that confines itself
// on the state directory the variable names, probes and exits.
const envConfineChild = "DAEMON_TEST_CONFINE_DIR"

// envConfineOther names the directory of the child's --wireguard file.
const envConfineOther = "DAEMON_TEST_CONFINE_OTHER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envConfineChild); dir != "" {
		os.Exit(confineChild(dir))
	}
	os.Exit(testenv.M(m).Run())
}

// confineChild confines the process as serve does, with --wireguard
// naming wg.json in another directory, and then reads what a bug in the
// daemon could reach for.
func confineChild(dir string) int {
	ks, err := statedir.LoadKey(dir)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	wg := filepath.Join(os.Getenv(envConfineOther), "wg.json")
	SetAfterConfineForTests(func(o Options) {
		for _, p := range []string{"/etc/shadow", "/etc/passwd", o.WireGuard, filepath.Join(filepath.Dir(o.WireGuard), "other")} {
			_, err := os.ReadFile(p)
			fmt.Printf("read %s: %t\n", filepath.Base(p), err == nil)
		}
		os.Exit(0)
	})
	o := Options{Socket: filepath.Join(dir, "s.sock"), Console: "/dev/null", WireGuard: wg, Log: os.Stderr}
	if err := Confine(os.Stderr, ks, o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("unconfined")
	return 0
}

func TestConfine(t *testing.T) {
	ks := softState(t)
	other := t.TempDir()
	for _, f := range []string{"wg.json", "other"} {
		if err := os.WriteFile(filepath.Join(other, f), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envConfineChild+"="+ks.Dir, envConfineOther+"="+other)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if strings.Contains(stderr.String(), confine.ErrNoLandlock.Error()) {
		testenv.SkipOrFail(t, "the kernel has no Landlock: %s", stderr.String())
	}
	if err != nil {
		t.Fatalf("the confined child: %v\nstdout %s\nstderr %s", err, out, stderr.String())
	}
	if !strings.HasPrefix(stderr.String(), "signet: confined: Landlock ABI ") {
		t.Errorf("stderr %q, want the confinement line", stderr.String())
	}
	want := "read shadow: false\nread passwd: true\nread wg.json: true\nread other: false\n"
	if string(out) != want {
		t.Errorf("the confined daemon read:\n%s\nwant:\n%s", out, want)
	}
}

func TestUnconfined(t *testing.T) {
	var log bytes.Buffer
	if err := unconfined(&log, nil, false); err != nil || log.Len() != 0 {
		t.Errorf("no error: %v, log %q", err, log.String())
	}
	other := errors.New("confine: boom")
	if err := unconfined(&log, other, true); err != other {
		t.Errorf("another error came back as %v", err)
	}
	err := unconfined(&log, confine.ErrNoLandlock, false)
	if want := "signet: error: " + confine.ErrNoLandlock.Error() + "\nsignet: hint: boot a kernel with Landlock (lsm=landlock,...), or accept running unconfined with --allow-unconfined\n"; printed(err) != want {
		t.Errorf("no Landlock: %q, want %q", printed(err), want)
	}
	if err := unconfined(&log, confine.ErrNoLandlock, true); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(log.String(), "signet: warning: running UNCONFINED (--allow-unconfined): ") {
		t.Errorf("log %q, want the UNCONFINED warning", log.String())
	}
}

func TestServePolicy(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	base, err := confine.Base(exe)
	if err != nil {
		t.Fatal(err)
	}
	ks := &statedir.KeyState{Dir: "/state"}
	rules := func(uri string, o Options) ([]confine.Rule, []uint16, error) {
		t.Helper()
		u, err := hsm.ParseURI(uri)
		if err != nil {
			t.Fatal(err)
		}
		ks.URI = u
		p, err := ServePolicy(exe, ks, o)
		if err == nil && !slices.Equal(p.Rules[:len(base.Rules)], base.Rules) {
			t.Errorf("%s: the policy does not start with confine.Base's rules", uri)
		}
		return p.Rules[len(base.Rules):], p.ConnectTCP, err
	}
	common := []confine.Rule{{Path: "/state", Rights: confine.Write}, {Path: "/run/signet", Rights: confine.Write}}
	tests := []struct {
		uri   string
		o     Options
		rules []confine.Rule
		tcp   []uint16
	}{
		{"soft:/keys/k", Options{Socket: "/run/signet/s.sock"},
			append(common, confine.Rule{Path: "/dev/tty", Rights: confine.Device}, confine.Rule{Path: "/keys/k", Rights: confine.Read}), nil},
		{"tpm:/state/tpm-key.json?device=tcp://127.0.0.1:2321", Options{Socket: "/run/signet/s.sock", Console: "/dev/tty1", WireGuard: "/etc/signet/wg.json"},
			append(common, confine.Rule{Path: "/dev/tty1", Rights: confine.Device}, confine.Rule{Path: "/etc/signet/wg.json", Rights: confine.Read, Optional: true},
				confine.Rule{Path: "/state/tpm-key.json", Rights: confine.Read}), []uint16{2321}},
		{"tpm:/state/tpm-key.json?device=unix:///tmp/swtpm.sock", Options{Socket: "/run/signet/s.sock"},
			append(common, confine.Rule{Path: "/dev/tty", Rights: confine.Device}, confine.Rule{Path: "/state/tpm-key.json", Rights: confine.Read},
				confine.Rule{Path: "/tmp/swtpm.sock", Rights: confine.Device}), nil},
		{"tpm:/state/tpm-key.json?device=/dev/tpmrm0", Options{Socket: "/run/signet/s.sock"},
			append(common, confine.Rule{Path: "/dev/tty", Rights: confine.Device}, confine.Rule{Path: "/state/tpm-key.json", Rights: confine.Read},
				confine.Rule{Path: "/dev/tpmrm0", Rights: confine.Device}), nil},
	}
	for _, tt := range tests {
		got, tcp, err := rules(tt.uri, tt.o)
		if err != nil {
			t.Errorf("%s: %v", tt.uri, err)
			continue
		}
		if diff := cmp.Diff(tt.rules, got); diff != "" || !slices.Equal(tcp, tt.tcp) {
			t.Errorf("%s: rules (-want, +got):\n%s\ntcp %v, want %v", tt.uri, diff, tcp, tt.tcp)
		}
	}
	t.Run("piv", func(t *testing.T) {
		t.Setenv("PCSCLITE_CSOCK_NAME", "/tmp/pcscd.comm")
		got, _, err := rules("piv:serial=12345678;slot=9c", Options{Socket: "/run/signet/s.sock"})
		want := append(common, confine.Rule{Path: "/dev/tty", Rights: confine.Device},
			confine.Rule{Path: pcscdDir, Rights: confine.Device | confine.Read, Optional: true},
			confine.Rule{Path: "/tmp/pcscd.comm", Rights: confine.Device, Optional: true})
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Errorf("piv: %v, rules (-want, +got):\n%s", err, diff)
		}
	})
	// ParseURI refuses these; the policy does not rely on it.
	for dev, want := range map[string]string{
		"tcp://127.0.0.1":       `confine: tpm device "tcp://127.0.0.1": address 127.0.0.1: missing port in address`,
		"tcp://127.0.0.1:99999": `confine: tpm device "tcp://127.0.0.1:99999" has a bad port: strconv.ParseUint: parsing "99999": value out of range`,
	} {
		ks.URI = hsm.URI{Scheme: "tpm", Path: "/k", Device: dev}
		if _, err := ServePolicy(exe, ks, Options{Socket: "/s"}); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", dev, err, want)
		}
	}
	if _, err := ServePolicy(filepath.Join(t.TempDir(), "no-such-exe"), ks, Options{}); err == nil {
		t.Error("a missing executable gave a policy")
	}
}

func TestConfinedChecks(t *testing.T) {
	// This process is not confined: the second run's check must say so.
	var log bytes.Buffer
	if err := confined(&log, 1, Options{}); err == nil || log.Len() != 0 {
		t.Errorf("an unconfined process passed the confined run's check: %v, log %q", err, log.String())
	}
}
