package tpm_test

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/hsm/tpm"
)

// TestTPM2ToolsCrossCheck loads the sealed blob with tpm2_load and unseals
// it with tpm2_unseal through a PolicyPCR + PolicyAuthValue session, on the
// same swtpm: the key file holds standard TPM2B structures under the
// standard SRK handle.
func TestTPM2ToolsCrossCheck(t *testing.T) {
	for _, tool := range []string{"tpm2_load", "tpm2_unseal", "tpm2_startauthsession", "tpm2_policypcr", "tpm2_policyauthvalue"} {
		needTool(t, tool)
	}
	sw := startSWTPM(t, false)
	path, _ := sw.provisionClosed()
	kf, err := tpm.ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	at := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(at("seal.pub"), kf.Public, 0o600)
	os.WriteFile(at("seal.priv"), kf.Private, 0o600)

	tcti := "swtpm:host=127.0.0.1,port=" + strings.TrimPrefix(sw.Device, "tcp://127.0.0.1:")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "TPM2TOOLS_TCTI="+tcti)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}
	run("tpm2_load", "-C", "0x81000001", "-u", at("seal.pub"), "-r", at("seal.priv"), "-c", at("seal.ctx"))
	run("tpm2_startauthsession", "--policy-session", "-S", at("session.ctx"))
	run("tpm2_policypcr", "-S", at("session.ctx"), "-l", "sha256:7")
	run("tpm2_policyauthvalue", "-S", at("session.ctx"))
	// NOTE: tpm2_unseal takes the PIN after "+" in argv only; that is fine
	// for this throwaway test PIN on a throwaway swtpm, never elsewhere.
	seed := run("tpm2_unseal", "-c", at("seal.ctx"), "-p", "session:"+at("session.ctx")+"+"+testPIN)
	if len(seed) != ed25519.SeedSize {
		t.Fatalf("tpm2_unseal returned %d bytes, want 32", len(seed))
	}
	if pub := ed25519.NewKeyFromSeed([]byte(seed)).Public().(ed25519.PublicKey); !pub.Equal(kf.PublicKey) {
		t.Fatal("the seed tpm2_unseal returned does not match the key file's public key")
	}
	run("tpm2_flushcontext", at("session.ctx"))
}
