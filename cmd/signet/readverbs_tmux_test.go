package main

// The read verbs next to a running daemon (issue 13): signet serve holds
// the state dir's lock and the swtpm connection (swtpm serves one
// connection at a time), and every read verb still answers, correctly
// and without waiting on the device, through the real binary.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/audit"
	"github.com/signetbox/signet/daemon"
	"github.com/signetbox/signet/fsck"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/statedir"
)

// readVerbDeadline stops a verb that hangs. It is not a speed check: a
// verb that waited on the device the daemon holds would wait two
// minutes, and the outputs below show where each answer came from.
const readVerbDeadline = 90 * time.Second

// verbResult is what one run of the binary printed.
type verbResult struct {
	stdout, stderr string
	code           int
}

// runVerb runs signet with args and returns its output and exit status.
func (s *tmuxServe) runVerb(args ...string) verbResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readVerbDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		s.t.Fatalf("signet %s did not finish within %v: it waits on something the daemon holds\n%s%s", strings.Join(args, " "), readVerbDeadline, out.String(), errb.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		s.t.Fatal(err)
	}
	return verbResult{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

// mustVerb runs a verb that must succeed and print nothing on stderr.
func (s *tmuxServe) mustVerb(args ...string) string {
	s.t.Helper()
	r := s.runVerb(args...)
	if r.code != 0 || r.stderr != "" {
		s.t.Fatalf("signet %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// mustMatch fails unless out matches every pattern (multi-line mode).
func mustMatch(t *testing.T, what, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile("(?m)" + p).MatchString(out) {
			t.Errorf("%s: no line matches %q in:\n%s", what, p, out)
		}
	}
}

// decodeJSON decodes a verb's --json output strictly enough to catch a
// second object or trailing text.
func decodeJSON(t *testing.T, what, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", what, err, out)
	}
	if dec.More() {
		t.Fatalf("%s: more than one JSON value:\n%s", what, out)
	}
}

// trusts reports whether keys holds key.
func trusts(keys []daemon.TrustedKey, key string) bool {
	for _, k := range keys {
		if k.PublicKey == key {
			return true
		}
	}
	return false
}

func TestReadVerbsWhileServingTPM(t *testing.T) {
	t.Parallel()
	needTmux(t)
	s := newTmuxServe(t, testenv.BuildSignet(t))
	// The socket lives outside the state dir, as /run/signet does on a
	// box: status --state must find it through serve.json.
	s.sock = filepath.Join(t.TempDir(), "api", "signet.sock")
	if err := os.MkdirAll(filepath.Dir(s.sock), 0o700); err != nil {
		t.Fatal(err)
	}
	s.tpmKey()
	s.launch(true)
	pid := s.daemonPID()
	pub, err := os.ReadFile(filepath.Join(s.dir, statedir.KeyPub))
	if err != nil {
		t.Fatal(err)
	}
	boxKey := strings.TrimSpace(string(pub))
	st := []string{"--state", s.dir}

	// The state dir is the daemon's: a verb that took its lock would be
	// refused. None of these does.
	t.Run("status", func(t *testing.T) {
		out := s.mustVerb(append(st, "status")...)
		mustMatch(t, "status", out,
			`^head: [A-Z2-7]{52}$`,
			`^box key: `+regexp.QuoteMeta(boxKey)+` \(trusted\)$`,
			`^key device: tpm, present, \d+ PIN tries left, PCR sha256:7 and PIN$`,
			`^queue: 0$`)
		var r daemon.StatusReport
		decodeJSON(t, "status --json", s.mustVerb(append(st, "status", "--json")...), &r)
		if r.SchemaVersion != 1 || r.BoxKey != boxKey || !r.BoxKeyTrusted || !trusts(r.TrustedKeys, boxKey) ||
			r.KeyDevice == nil || !r.KeyDevice.Present || r.KeyDevice.Backend != "tpm" || r.KeyDevice.LockoutAuthSet == nil {
			t.Errorf("status --json: %+v", r)
		}
	})
	t.Run("key show", func(t *testing.T) {
		out := s.mustVerb(append(st, "key", "show")...)
		mustMatch(t, "key show", out,
			`^`+regexp.QuoteMeta(boxKey)+`$`,
			`^backend:      tpm$`,
			fmt.Sprintf(`^read-from:    signet serve \(pid %d\)$`, pid),
			`^present:      yes$`,
			`^pin-tries:    \d+ of \d+ left$`,
			`^lockout-auth: set$`,
			`^policy:       PCR sha256:7 and PIN$`)
		var r keyReport
		decodeJSON(t, "key show --json", s.mustVerb(append(st, "key", "show", "--json")...), &r)
		if r.ReadFrom != "daemon" || r.DaemonPID != pid || !r.Device.Present || r.Device.PINTriesLeft == nil || r.Device.MaxTries == nil || r.PublicKey != boxKey {
			t.Errorf("key show --json: %+v", r)
		}
	})
	t.Run("key attest", func(t *testing.T) {
		// attest needs the device itself, which swtpm serves to the
		// daemon alone: it gives up after its bound and names the daemon.
		r := s.runVerb(append(st, "key", "attest", "--json")...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("key attest next to the daemon: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		mustMatch(t, "key attest", r.stderr,
			`did not answer in time; another process \(such as signet serve\) may be using it$`,
			fmt.Sprintf(`^signet: hint: signet serve \(pid %d\) holds the key device; stop it to attest the key`, pid))
	})
	t.Run("log and chain verify", func(t *testing.T) {
		out := s.mustVerb(append(st, "log")...)
		mustMatch(t, "log", out, `^update [A-Z2-7]{52} \(checkpoint\)$`, `^Signed-by: `+regexp.QuoteMeta(boxKey)+`$`)
		out = s.mustVerb(append(st, "log", "--json")...)
		mustMatch(t, "log --json", out, `^  "SchemaVersion": "1",$`)
		out = s.mustVerb(append(st, "chain", "verify")...)
		mustMatch(t, "chain verify", out, `^chain verified: 1 AUMs \(1 stored\), head [A-Z2-7]{52}, 2 trusted keys$`)
		var r chainVerifyReport
		decodeJSON(t, "chain verify --json", s.mustVerb(append(st, "chain", "verify", "--json")...), &r)
		if r.AUMs != 1 || len(r.TrustedKeys) != 2 || !trusts(r.TrustedKeys, boxKey) {
			t.Errorf("chain verify --json: %+v", r)
		}
	})
	t.Run("journal", func(t *testing.T) {
		out := s.mustVerb(append(st, "journal", "verify")...)
		mustMatch(t, "journal verify", out, `: \d+ records from .*, verified$`,
			`: the chain store, the signature index and the key files agree with the journal$`)
		var v fsck.JournalReport
		decodeJSON(t, "journal verify --json", s.mustVerb(append(st, "journal", "verify", "--json")...), &v)
		if v.Records == 0 || v.StateChecks == nil || !v.StateChecks.KeyFiles {
			t.Errorf("journal verify --json: %+v", v)
		}
		out = s.mustVerb(append(st, "journal", "show")...)
		mustMatch(t, "journal show", out, `^#1 \S+ note `)
		var sh audit.ShowReport
		decodeJSON(t, "journal show --json", s.mustVerb(append(st, "journal", "show", "--json")...), &sh)
		if len(sh.Records) != v.Records || sh.Records[len(sh.Records)-1].Hash != v.Head {
			t.Errorf("journal show --json has %d records ending in %s; journal verify says %d ending in %s", len(sh.Records), sh.Records[len(sh.Records)-1].Hash, v.Records, v.Head)
		}
	})

	// A record that another daemon answers to is stale: status refuses
	// it, and key show says so and reads the device itself, which the
	// daemon holds: it gives up after its timeout and exits 1.
	recPath := statedir.Path(s.dir, statedir.ServeRecord)
	good, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatal(err)
	}
	var rec statedir.ServeRecordDoc
	if err := json.Unmarshal(good, &rec); err != nil || rec.Socket != s.sock || rec.PID != pid {
		t.Fatalf("serve.json %s: want socket %s, pid %d (%v)", good, s.sock, pid, err)
	}
	forged, _ := json.Marshal(statedir.ServeRecordDoc{Socket: s.sock, PID: 1, Boot: "another daemon"})
	if err := os.WriteFile(recPath, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("stale record", func(t *testing.T) {
		r := s.runVerb(append(st, "status")...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("status with a stale record: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		mustMatch(t, "status", r.stderr, `^signet: error: no signet serve runs on this state dir: .*/serve.json is stale: the socket .* is served by another daemon than the one that wrote it \(pid 1\)$`)
		r = s.runVerb(append(st, "key", "show")...)
		if r.code != 1 {
			t.Errorf("key show on a device the daemon holds: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
		}
		mustMatch(t, "key show", r.stderr,
			`^signet: note: no signet serve runs on this state dir: .*/serve.json is stale`,
			`^signet: error: cannot read the key device: .*the TPM at 127.0.0.1:\d+ did not answer in time; another process \(such as signet serve\) may be using it$`)
		if strings.Contains(r.stdout, "present:") {
			t.Errorf("key show printed a device state it did not read:\n%s", r.stdout)
		}
	})
	if err := os.WriteFile(recPath, good, 0o644); err != nil {
		t.Fatal(err)
	}

	// A daemon that stops removes its record; a record left behind (as
	// kill -9 leaves it) names a socket nobody answers on.
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitScreen("SERVE-EXITED", 30*time.Second)
	if _, err := os.Stat(recPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve.json after a clean stop: %v, want it removed", err)
	}
	if err := os.WriteFile(recPath, good, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("after the daemon", func(t *testing.T) {
		r := s.runVerb(append(st, "status", "--json")...)
		if r.code != 1 || r.stdout != "" {
			t.Errorf("status after the daemon stopped: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		mustMatch(t, "status", r.stderr, fmt.Sprintf(`^signet: error: no signet serve runs on this state dir: the daemon recorded in .*/serve.json \(pid %d, socket .*\) does not answer: `, pid))
		// Now the device is free: key show reads it itself.
		r = s.runVerb(append(st, "key", "show")...)
		if r.code != 0 {
			t.Fatalf("key show with the device free: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		mustMatch(t, "key show", r.stdout, `^read-from:    the key device$`, `^present:      yes$`, `^lockout-auth: set$`)
		mustMatch(t, "key show", r.stderr, `^signet: note: no signet serve runs on this state dir: the daemon recorded in .* does not answer`)
		var a attestReport
		decodeJSON(t, "key attest --json", s.mustVerb(append(st, "key", "attest", "--json")...), &a)
		if !a.Verified || a.Backend != "tpm" || a.PublicKey != boxKey || len(a.Evidence) == 0 || a.Facts["srk-name"] == "" {
			t.Errorf("key attest --json with the device free: %+v", a)
		}
	})
}
