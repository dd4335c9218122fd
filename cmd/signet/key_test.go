package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/vpiv"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal"
	"golang.org/x/sys/unix"
)

// cheapKDFEnv, set to 1 in a script, turns the soft backend's Argon2id
// down in the processes that run main for it. Only this test binary reads
// it; signet itself never does.
const cheapKDFEnv = "SIGNET_TEST_CHEAP_KDF"

func init() {
	if os.Getenv(cheapKDFEnv) == "1" {
		soft.UseCheapKDFForTests()
	}
}

// signetDetached runs main in a new session, without a controlling
// terminal, unless the script attached one with ttyin (the process then
// already leads its session and Setsid fails harmlessly). So a script
// without ttyin never reaches the terminal of whoever runs go test.
func signetDetached() {
	unix.Setsid()
	main()
}

// signetProcState runs main with a hook that prints, right after
// hardening, what the kernel says about core dumps for this process.
func signetProcState() {
	testOnlyAfterHarden = func() {
		limits, _ := os.ReadFile("/proc/self/limits")
		for line := range strings.Lines(string(limits)) {
			if f, ok := strings.CutPrefix(line, "Max core file size"); ok {
				fmt.Printf("core-limit %s\n", strings.Join(strings.Fields(f)[:2], " "))
			}
		}
		d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		fmt.Printf("dumpable %d %v\n", d, err)
		status, _ := os.ReadFile("/proc/self/status")
		for line := range strings.Lines(string(status)) {
			if strings.HasPrefix(line, "CoreDumping:") {
				fmt.Print(line)
			}
		}
	}
	signetDetached()
}

// TestKeyScripts runs the scripts for the key verbs in testdata/key, with
// commands to start swtpm and a virtual YubiKey and to check for leaked
// secrets.
func TestKeyScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/key",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition:           keyCondition,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"swtpm":      cmdSWTPM,
			"vpiv":       cmdVPIV,
			"savesecret": cmdSaveSecret,
			"keep":       cmdKeep,
			"nosecret":   cmdNoSecret,
			"holdlock":   cmdHoldLock,
			"jsonnorm":   cmdJSONNorm,
		},
	})
}

// keyCondition answers [swtpm] and [pcscd]: whether the component is
// installed. Outside CI a missing one lets the script skip; in CI it is
// an error. Under -short ("make check") both are false, so the scripts
// that need swtpm or pcscd skip, saying so.
func keyCondition(cond string) (bool, error) {
	if (cond == "swtpm" || cond == "pcscd") && testing.Short() {
		return false, nil
	}
	var err error
	switch cond {
	case "swtpm":
		_, err = exec.LookPath("swtpm")
	case "pcscd":
		err = vpiv.EnsurePCSCD()
	default:
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if err != nil && testenv.InCI() {
		return false, fmt.Errorf("%s is missing (CI=true, so this is a failure: scripts/deps.sh must install it): %v", cond, err)
	}
	return err == nil, nil
}

// cmdKeep appends the last command's stdout, stderr and, with -tty, its
// terminal output to the file named by the argument, so nosecret can
// check everything a script saw.
func cmdKeep(ts *testscript.TestScript, neg bool, args []string) {
	tty := len(args) == 2 && args[0] == "-tty"
	if neg || len(args) != 1 && !tty {
		ts.Fatalf("usage: keep [-tty] file")
	}
	out := ts.ReadFile("stdout") + ts.ReadFile("stderr")
	if tty {
		out += ts.ReadFile("ttyout")
	}
	f, err := os.OpenFile(ts.MkAbs(args[len(args)-1]), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	ts.Check(err)
	_, err = f.WriteString(out)
	ts.Check(errors.Join(err, f.Close()))
}

// shownOnce matches the grouped hex a secret is shown in.
var shownOnce = regexp.MustCompile(`WILL NOT be shown again\):\s+((?:[0-9a-f]{4} ?)+)`)

// cmdSaveSecret takes the secret shown once in the last terminal output
// and writes it to a file as hex plus a newline (ready for ttyin).
func cmdSaveSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: savesecret file")
	}
	m := shownOnce.FindStringSubmatch(ts.ReadFile("ttyout"))
	if m == nil {
		ts.Fatalf("no secret shown once in the terminal output")
	}
	hexText := strings.ReplaceAll(strings.TrimSpace(m[1]), " ", "")
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(hexText+"\n"), 0o600))
}

// cmdNoSecret fails if a secret appears in any of the files: raw, as hex
// (lower and upper case, grouped or not) or base64. The secret file holds
// one secret per line: typed PINs and passphrases as text, shown secrets
// as hex.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: nosecret secretsfile file...")
	}
	var forms []string
	for _, s := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		forms = append(forms, secretForms([]byte(s))...)
		if raw, err := hex.DecodeString(s); err == nil {
			forms = append(forms, secretForms(raw)...)
		}
	}
	for _, name := range args[1:] {
		data := ts.ReadFile(name)
		if data == "" {
			ts.Fatalf("%s is empty; nothing to check", name)
		}
		for _, f := range forms {
			if strings.Contains(data, f) {
				ts.Fatalf("%s contains a secret (in the form %q)", name, f)
			}
		}
	}
}

func secretForms(b []byte) []string {
	h := hex.EncodeToString(b)
	forms := []string{string(b), h, strings.ToUpper(h), base64.StdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
	if len(b) >= 4 {
		forms = append(forms, string(terminal.GroupHex(b)))
	}
	var out []string
	for _, f := range forms {
		if len(f) >= 4 { // shorter forms match by chance
			out = append(out, f)
		}
	}
	return out
}

// cmdSWTPM starts swtpm for the script and exports its address as
// $TPMDEV; it stops with TPM2_Shutdown when the script ends.
func cmdSWTPM(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || args[0] != "start" {
		ts.Fatalf("usage: swtpm start")
	}
	s, err := swtpm.Start(ts.MkAbs("swtpm-state"))
	ts.Check(err)
	ts.Defer(s.Stop)
	ts.Setenv("TPMDEV", s.Device)
}

// insertCard makes a virtual YubiKey with serial and inserts it into the
// second vpcd reader ("Virtual PCD 00 01", port 35964), which hsm/piv's
// tests leave free. The caller removes it.
func insertCard(serial uint32) (*vpiv.Card, error) {
	c, err := vpiv.New(vpiv.Options{Serial: serial, Addr: "127.0.0.1:35964"})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := c.Insert(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// cmdVPIV inserts a virtual YubiKey with the given serial into the second
// vpcd reader ("Virtual PCD 00 01", port 35964, so it does not take the
// reader hsm/piv's tests use) and writes its attestation CA to roots.pem.
func cmdVPIV(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || args[0] != "insert" {
		ts.Fatalf("usage: vpiv insert SERIAL")
	}
	var serial uint32
	_, err := fmt.Sscan(args[1], &serial)
	ts.Check(err)
	c, err := insertCard(serial)
	ts.Check(err)
	ts.Defer(c.Remove)
	var pemBuf bytes.Buffer
	ts.Check(writePEM(&pemBuf, c.CA().Raw))
	ts.Check(os.WriteFile(filepath.Join(ts.MkAbs("."), "roots.pem"), pemBuf.Bytes(), 0o644))
}

// cmdHoldLock takes the state dir lock of the directory named by the
// argument, as a running 'signet serve' does, until the script ends.
func cmdHoldLock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdlock dir")
	}
	unlock, err := statedir.TakeLock(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Defer(unlock)
}
