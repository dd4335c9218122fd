package keysetup

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal"
)

const (
	testPass   = "correct horse"
	testPIN    = "2468-tpm-pin"
	newTestPIN = "1357-tpm-pin"
)

// mustLoad loads the key recorded in dir and checks it is res's.
func mustLoad(t *testing.T, dir string, res *Result) *statedir.KeyState {
	t.Helper()
	ks, err := statedir.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ks.URI != res.URI || !ks.Pub.Equal(res.Public) || ks.Att == nil || ks.Att.Summary != res.Attestation.Summary {
		t.Fatalf("recorded %+v, made %+v", ks, res)
	}
	return ks
}

// TestInitSoft makes a soft key, refuses to make a second one, and
// replaces it only when "replace" is typed.
func TestInitSoft(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	o := &Options{Backend: "soft", State: dir}
	con := newConsole(testPass)
	var log bytes.Buffer
	res, err := Init(t.Context(), o, con.opener(), &log)
	if err != nil {
		t.Fatal(err)
	}
	ks := mustLoad(t, dir, res)
	if res.Dir != dir || res.URI.Scheme != "soft" || res.Attestation.Hardware || res.Attestation.Summary != soft.Summary || con.closed != 1 {
		t.Errorf("result %+v, console closed %d times", res, con.closed)
	}
	if !strings.HasPrefix(log.String(), "signet: warning: the soft backend is for development only") {
		t.Errorf("log %q", log.String())
	}
	if k, err := soft.Open(t.Context(), ks.URI.Path, hsm.FixedPIN(testPass)); err != nil {
		t.Errorf("opening the new key: %v", err)
	} else {
		k.Close()
	}

	_, err = Init(t.Context(), o, newConsole(testPass).opener(), &log)
	if err == nil || err.Error() != dir+" already holds a key (key.uri exists); refusing to replace it" || !strings.Contains(hints(err), "--replace-existing-key") {
		t.Errorf("a second key: %v (hints %q)", err, hints(err))
	}

	o.Replace = true
	if _, err := Init(t.Context(), o, newConsole("no").opener(), &log); err == nil || err.Error() != `you did not type "replace"; nothing was changed` {
		t.Errorf("replace refused: %v", err)
	}
	log.Reset()
	con = newConsole("replace", testPass)
	res2, err := Init(t.Context(), o, con.opener(), &log)
	if err != nil {
		t.Fatal(err)
	}
	mustLoad(t, dir, res2)
	if res2.Public.Equal(res.Public) || !strings.Contains(con.asked[0], "This makes a NEW signing key; the key recorded in "+dir) {
		t.Errorf("replaced: same key %t, asked %q", res2.Public.Equal(res.Public), con.asked)
	}
	if old := statedir.Replaced(dir, statedir.KeyURI); len(old) != 1 || !strings.Contains(log.String(), "signet: moved the old key file to "+old[0]+"\n") {
		t.Errorf("moved aside %q, log %q", old, log.String())
	}
}

// TestInitFails checks the errors before and after the console opens.
func TestInitFails(t *testing.T) {
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	noConsole := errors.New("no terminal")
	failOpen := func() (Console, error) { return nil, noConsole }
	var log bytes.Buffer
	if _, err := Init(t.Context(), &Options{Backend: "soft", State: filepath.Join(blocked, "state")}, failOpen, &log); err == nil || !strings.HasPrefix(err.Error(), "making the state directory: ") {
		t.Errorf("state dir under a file: %v", err)
	}
	if _, err := Init(t.Context(), &Options{Backend: "soft", State: t.TempDir()}, failOpen, &log); !errors.Is(err, noConsole) {
		t.Errorf("no console: %v", err)
	}
	con := newConsole() // the passphrase is never typed
	if _, err := Init(t.Context(), &Options{Backend: "soft", State: t.TempDir()}, con.opener(), &log); err == nil || con.closed != 1 {
		t.Errorf("no passphrase: %v, console closed %d times", err, con.closed)
	}
	if _, err := Make(t.Context(), newConsole(), t.TempDir(), &Options{Backend: "pkcs11"}, &log); err == nil || err.Error() != `--hsm "pkcs11" is not one of tpm, piv, soft` {
		t.Errorf("unknown backend: %v", err)
	}
	if _, err := Make(t.Context(), newConsole(), t.TempDir(), &Options{Backend: "tpm", PCRs: "x"}, &log); err == nil || !strings.HasPrefix(err.Error(), `--pcrs "x"`) {
		t.Errorf("bad PCRs: %v", err)
	}
	if _, err := Make(t.Context(), newConsole(), t.TempDir(), &Options{Backend: "piv", Slot: "zz"}, &log); err == nil || !strings.HasPrefix(err.Error(), "--slot: ") {
		t.Errorf("bad slot: %v", err)
	}
	if _, err := Make(t.Context(), newConsole(), t.TempDir(), &Options{Backend: "piv", Slot: "9c", Roots: filepath.Join(blocked, "x")}, &log); err == nil || !strings.HasPrefix(err.Error(), "reading --roots: ") {
		t.Errorf("bad roots: %v", err)
	}
}

// TestChangePassphrase changes a soft key's passphrase under the state
// directory's lock; a soft key has no lockout to reset.
func TestChangePassphrase(t *testing.T) {
	dir := t.TempDir()
	res, err := Init(t.Context(), &Options{Backend: "soft", State: dir}, newConsole(testPass).opener(), new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	ks := mustLoad(t, dir, res)
	var log bytes.Buffer
	if err := ChangePIN(t.Context(), ks, newConsole("wrong", "new pass").opener(), &log); err == nil {
		t.Error("a wrong current passphrase was taken")
	}
	if err := ChangePIN(t.Context(), ks, newConsole(testPass).opener(), &log); err == nil {
		t.Error("no new passphrase was typed, yet it changed")
	}
	con := newConsole(testPass, "new pass")
	if err := ChangePIN(t.Context(), ks, con.opener(), &log); err != nil {
		t.Fatal(err)
	}
	if log.String() != "signet: the passphrase of soft key "+ks.URI.Path+" is changed\n" || con.asked[0] != "Current passphrase: " || con.asked[1] != "new passphrase" {
		t.Errorf("log %q, asked %q", log.String(), con.asked)
	}
	if k, err := soft.Open(t.Context(), ks.URI.Path, hsm.FixedPIN("new pass")); err != nil {
		t.Errorf("the new passphrase does not open the key: %v", err)
	} else {
		k.Close()
	}

	unlock, err := statedir.TakeLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = ChangePIN(t.Context(), ks, newConsole().opener(), &log)
	unlock()
	if err == nil || !strings.HasPrefix(hints(err), "stop signet serve") {
		t.Errorf("locked: %v (hints %q)", err, hints(err))
	}
	noConsole := errors.New("no terminal")
	if err := ChangePIN(t.Context(), ks, func() (Console, error) { return nil, noConsole }, &log); !errors.Is(err, noConsole) {
		t.Errorf("no console: %v", err)
	}
	if err := ResetLockout(t.Context(), ks, newConsole().opener(), &log); err == nil || err.Error() != "a soft key has no lockout: a wrong passphrase can be retried at once" {
		t.Errorf("ResetLockout of a soft key: %v", err)
	}
}

// TestTPM makes a key on a software TPM, makes a second one on the same
// TPM (which then asks for the lockout secret), changes the PIN and
// resets the lockout.
func TestTPM(t *testing.T) {
	inst := startSWTPM(t)
	ctx := t.Context()
	o := defaults("tpm")
	o.Device, o.MaxTries, o.RecoveryTime = inst.Device, 3, time.Hour
	o.State = t.TempDir()
	con := newConsole(testPIN)
	res, err := Init(ctx, &o, con.opener(), new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	ks := mustLoad(t, o.State, res)
	const shown = "TPM lockout secret: it resets the PIN counter after a lockout ('signet key reset-lockout')"
	lockout := con.shown[shown]
	if res.URI.Scheme != "tpm" || res.URI.Device != inst.Device || !res.Attestation.Hardware || len(lockout) == 0 {
		t.Fatalf("result %+v, lockout secret %d bytes", res, len(lockout))
	}
	k, err := tpm.Open(ctx, ks.URI.Path, inst.Device, hsm.FixedPIN(testPIN))
	if err != nil {
		t.Fatalf("opening the new key with its PIN: %v", err)
	}
	k.Close()

	// A second key on this TPM: the lockout secret is asked, as typed from
	// the paper (grouped hex).
	o2 := o
	o2.State = t.TempDir()
	if _, err := Init(ctx, &o2, newConsole("not hex").opener(), new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "is not hex digits") {
		t.Errorf("lockout secret not hex: %v", err)
	}
	con = newConsole(string(terminal.GroupHex(lockout)), testPIN)
	res2, err := Init(ctx, &o2, con.opener(), new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(con.printed.String(), "This TPM already has a lockout secret") {
		t.Errorf("printed %q", con.printed.String())
	}
	if s := con.shown[shown]; s != nil {
		lockout = s // a new one, when the TPM changed it
	}
	ks2 := mustLoad(t, o2.State, res2)

	var log bytes.Buffer
	if err := ChangePIN(ctx, ks2, newConsole(testPIN, newTestPIN).opener(), &log); err != nil {
		t.Fatal(err)
	}
	if log.String() != "signet: the TPM PIN is changed\n" {
		t.Errorf("log %q", log.String())
	}
	if err := ChangePIN(ctx, ks2, newConsole(testPIN, "x").opener(), &log); err == nil {
		t.Error("the old PIN was taken after the change")
	}
	if err := ChangePIN(ctx, ks2, newConsole(newTestPIN).opener(), &log); err == nil {
		t.Error("no new PIN was typed, yet it changed")
	}

	log.Reset()
	if err := ResetLockout(ctx, ks2, newConsole("zz").opener(), &log); err == nil {
		t.Error("a lockout secret that is not hex was taken")
	}
	if err := ResetLockout(ctx, ks2, newConsole(string(terminal.GroupHex(lockout))).opener(), &log); err != nil {
		t.Fatal(err)
	}
	if log.String() != "signet: the TPM's PIN counter is reset: 3 of 3 tries left\n" {
		t.Errorf("log %q", log.String())
	}
	noConsole := errors.New("no terminal")
	if err := ResetLockout(ctx, ks2, func() (Console, error) { return nil, noConsole }, &log); !errors.Is(err, noConsole) {
		t.Errorf("no console: %v", err)
	}
}

// TestTPMAttestationFails: the key exists, so a failed attestation is
// its summary, not an error.
func TestTPMAttestationFails(t *testing.T) {
	inst := startSWTPM(t)
	dev, err := tpm.OpenDevice(inst.Device)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	a := TPMAttestation(context.Background(), dev, filepath.Join(t.TempDir(), "missing.tpm"))
	if a.Backend != "tpm" || !a.Hardware || !strings.HasPrefix(a.Summary, "attestation failed: ") {
		t.Errorf("attestation %+v", a)
	}
}

// TestTPMDeviceMissing: a TPM that does not answer is an error.
func TestTPMDeviceMissing(t *testing.T) {
	o := defaults("tpm")
	o.Device, o.State = "unix://"+filepath.Join(t.TempDir(), "none.sock"), t.TempDir()
	if _, err := Init(t.Context(), &o, newConsole(testPIN).opener(), new(bytes.Buffer)); err == nil {
		t.Error("Init on a missing TPM succeeded")
	}
	ks := &statedir.KeyState{Dir: o.State, URI: hsm.URI{Scheme: "tpm", Path: filepath.Join(o.State, "key.tpm"), Device: o.Device}}
	if err := ChangePIN(t.Context(), ks, newConsole(testPIN, newTestPIN).opener(), new(bytes.Buffer)); err == nil {
		t.Error("ChangePIN on a missing TPM succeeded")
	}
	if err := ResetLockout(t.Context(), ks, newConsole("0a0b").opener(), new(bytes.Buffer)); err == nil {
		t.Error("ResetLockout on a missing TPM succeeded")
	}
}
