package keydevice_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/keydevice"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFromDaemon checks the conversion of what a daemon reported,
// including unknown counts and a device it could not read.
func TestFromDaemon(t *testing.T) {
	yes := true
	for _, tt := range []struct {
		h    api.HSMStatus
		want string
	}{
		{api.HSMStatus{Backend: "tpm", Present: true, PINRetries: 2, MaxTries: 3, RecoverySeconds: 3600, LockoutAuthSet: &yes, Policy: "PCR sha256:7 and PIN"},
			`{"backend":"tpm","present":true,"pin_tries_left":2,"max_tries":3,"lockout":false,"recovery_seconds":3600,"lockout_auth_set":true,"policy":"PCR sha256:7 and PIN"}`},
		{api.HSMStatus{Backend: "piv", Present: true, PINRetries: -1, MaxTries: 0},
			`{"backend":"piv","present":true,"lockout":false}`},
		{api.HSMStatus{Backend: "tpm", Present: true, PINRetries: 3, MaxTries: 3, Error: "busy"},
			`{"backend":"tpm","present":true,"max_tries":3,"lockout":false,"error":"busy"}`},
		{api.HSMStatus{Backend: "piv", PINRetries: 3, Lockout: true},
			`{"backend":"piv","present":false,"lockout":true}`},
	} {
		if got := jsonOf(t, keydevice.FromDaemon(tt.h)); got != tt.want {
			t.Errorf("FromDaemon(%+v)\n got %s\nwant %s", tt.h, got, tt.want)
		}
	}
}

// TestFromStatus checks the conversion of a reading made here: the
// lockout authorization is known only for a present TPM.
func TestFromStatus(t *testing.T) {
	s := hsm.Status{Present: true, PINRetries: 3, MaxTries: 3, Recovery: time.Hour, LockoutAuthSet: true, Policy: "PIN"}
	if got, want := jsonOf(t, keydevice.FromStatus("tpm", s)), `{"present":true,"pin_tries_left":3,"max_tries":3,"lockout":false,"recovery_seconds":3600,"lockout_auth_set":true,"policy":"PIN"}`; got != want {
		t.Errorf("tpm\n got %s\nwant %s", got, want)
	}
	s = hsm.Status{Present: true, PINRetries: -1, MaxTries: -1}
	if got, want := jsonOf(t, keydevice.FromStatus("piv", s)), `{"present":true,"lockout":false}`; got != want {
		t.Errorf("piv\n got %s\nwant %s", got, want)
	}
	if got := keydevice.FromStatus("tpm", hsm.Status{}); got.LockoutAuthSet != nil {
		t.Errorf("an absent TPM's lockout authorization: %v", *got.LockoutAuthSet)
	}
}

func TestLoadRoots(t *testing.T) {
	if pool, err := keydevice.LoadRoots(""); pool != nil || err != nil {
		t.Errorf("no file: %v, %v", pool, err)
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "missing.pem")
	empty := write("empty.pem", "no PEM here\n")
	bad := write("bad.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	for path, want := range map[string]string{
		missing: "reading --roots: open " + missing,
		empty:   "--roots " + empty + " holds no PEM certificate",
		bad:     "--roots " + bad + ", certificate 1: ",
	} {
		if _, err := keydevice.LoadRoots(path); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("LoadRoots(%s) = %v, want %q", filepath.Base(path), err, want)
		}
	}
}

// TestSoft: a soft key is present when its file is, cannot be opened
// without its passphrase and attests to nothing.
func TestSoft(t *testing.T) {
	st := softState(t)
	ctx := t.Context()
	s, err := keydevice.Status(ctx, st)
	if err != nil || !s.Present || s.PINRetries != -1 || s.MaxTries != -1 || s.Policy != "passphrase (software key, insecure)" {
		t.Errorf("Status = %+v, %v", s, err)
	}
	if _, err := keydevice.OpenNoPIN(ctx, st, nil); err == nil || err.Error() != "a soft key cannot be opened without its passphrase" {
		t.Errorf("OpenNoPIN: %v", err)
	}
	a, err := keydevice.Attest(ctx, st, "")
	if err != nil || a.Backend != "soft" || a.Hardware || a.Summary != soft.Summary || a.Facts["path"] != st.URI.Path || a.Facts["kdf"] != "argon2id" {
		t.Errorf("Attest = %+v, %v", a, err)
	}
	if _, err := keydevice.Attest(ctx, st, "roots.pem"); !cli.IsUsage(err) || err.Error() != "--roots applies only to piv keys" {
		t.Errorf("Attest with --roots: %v", err)
	}

	var log bytes.Buffer
	r, err := keydevice.Read(ctx, &log, st)
	if err != nil || r.DaemonPID != 0 || !r.State.Present || r.State.PINTriesLeft != nil || log.Len() != 0 {
		t.Errorf("Read = %+v, %v, log %q", r, err, log.String())
	}
	os.Remove(st.URI.Path)
	if _, err := keydevice.Status(ctx, st); err == nil || !strings.HasPrefix(err.Error(), "soft key file: ") {
		t.Errorf("Status without the file: %v", err)
	}
	_, err = keydevice.Read(ctx, &log, st)
	if err == nil || !strings.HasPrefix(err.Error(), "cannot read the key device: soft key file: ") || !strings.HasPrefix(hints(err), "check that it is connected") {
		t.Errorf("Read without the file: %v (hints %q)", err, hints(err))
	}
}

// TestReadStaleRecord: a serve.json whose daemon is gone is noted, then
// the device is read here.
func TestReadStaleRecord(t *testing.T) {
	st := softState(t)
	if _, err := statedir.WriteServeRecord(st.Dir, statedir.ServeRecordDoc{Socket: filepath.Join(st.Dir, "gone.sock"), PID: 44, Boot: "gone"}); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	r, err := keydevice.Read(t.Context(), &log, st)
	if err != nil || r.DaemonPID != 0 || !r.State.Present {
		t.Errorf("Read = %+v, %v", r, err)
	}
	if !strings.HasPrefix(log.String(), "signet: note: no signet serve runs on this state dir: the daemon recorded in ") || strings.Count(log.String(), "\n") != 1 {
		t.Errorf("log %q", log.String())
	}
}

// TestReadFromDaemon: while a daemon serves the state directory, its
// reading is used, and checked.
func TestReadFromDaemon(t *testing.T) {
	no := false
	for _, tt := range []struct {
		name       string
		info       api.StatusInfo
		want, hint string
	}{
		{"ok", api.StatusInfo{HSM: &api.HSMStatus{Backend: "tpm", Present: true, PINRetries: 3, MaxTries: 3, LockoutAuthSet: &no}}, "", ""},
		{"another key", api.StatusInfo{BoxKey: "tlpub:00", HSM: &api.HSMStatus{Present: true}}, "signet serve (pid 812) on DIR holds the key tlpub:00, not the ", ""},
		{"no device report", api.StatusInfo{}, "signet serve (pid 812) did not report its key device; restart it with this signet", ""},
		{"unreadable", api.StatusInfo{HSM: &api.HSMStatus{Error: "busy"}}, "signet serve (pid 812) cannot read its key device: busy", "check the device"},
		{"not present", api.StatusInfo{HSM: &api.HSMStatus{}}, "signet serve (pid 812) reports that its key device is not present", "connect it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := softState(t)
			if tt.info.BoxKey == "" {
				tt.info.BoxKey = tka.FormatTLPub(st.Pub)
			}
			fakeDaemon(t, st.Dir, 812, &tt.info)
			var log bytes.Buffer
			r, err := keydevice.Read(t.Context(), &log, st)
			want := strings.ReplaceAll(tt.want, "DIR", st.Dir)
			if tt.want == "" {
				if err != nil || r.DaemonPID != 812 || r.State.Backend != "" || *r.State.PINTriesLeft != 3 || *r.State.LockoutAuthSet {
					t.Errorf("Read = %+v, %v", r, err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasPrefix(hints(err), tt.hint) {
				t.Errorf("Read: %v (hints %q), want %q", err, hints(err), want)
			}
		})
	}
}

// TestTPM reads and attests a key sealed to a software TPM, and refuses
// one that does not match key.pub or the SRK recorded at init.
func TestTPM(t *testing.T) {
	st, inst := tpmState(t)
	ctx := t.Context()
	var log bytes.Buffer
	r, err := keydevice.Read(ctx, &log, st)
	if err != nil || !r.State.Present || *r.State.PINTriesLeft != 3 || *r.State.MaxTries != 3 || r.State.RecoverySeconds != 3600 || r.State.LockoutAuthSet == nil {
		t.Fatalf("Read = %+v, %v", r, err)
	}
	a, err := keydevice.Attest(ctx, st, "")
	if err != nil || !a.Hardware || a.Facts["srk-name"] == "" || a.Facts["srk-name"] != st.Att.Facts["srk-name"] {
		t.Fatalf("Attest = %+v, %v", a, err)
	}
	if err := keydevice.CheckTPMAttestation(a, nil); err != nil {
		t.Errorf("CheckTPMAttestation without a record: %v", err)
	}
	recorded := *st.Att
	recorded.Facts = map[string]string{"srk-name": "000b" + strings.Repeat("00", 32)}
	if err := keydevice.CheckTPMAttestation(a, &recorded); err == nil || !strings.Contains(err.Error(), "is not the one recorded at init") {
		t.Errorf("another SRK: %v", err)
	}

	other := *st
	other.Pub = ed25519.PublicKey(make([]byte, ed25519.PublicKeySize))
	if _, err := keydevice.OpenNoPIN(ctx, &other, nil); err == nil || !strings.HasSuffix(err.Error(), "; the state directory belongs to another key") {
		t.Errorf("another key: %v", err)
	}
	missing := *st
	missing.URI.Path = filepath.Join(t.TempDir(), "missing.tpm")
	if _, err := keydevice.Status(ctx, &missing); err == nil {
		t.Error("Status of a missing key file succeeded")
	}
	if _, err := keydevice.Attest(ctx, &missing, ""); err == nil {
		t.Error("Attest of a missing key file succeeded")
	}
	if _, err := keydevice.Attest(ctx, st, filepath.Join(t.TempDir(), "none.pem")); err == nil || !strings.HasPrefix(err.Error(), "reading --roots: ") {
		t.Errorf("Attest with missing roots: %v", err)
	}

	// The TPM gone: an error; while a daemon answers for the state
	// directory, the error says that it holds the device.
	inst.Stop()
	if _, err := keydevice.Read(ctx, &log, st); err == nil || !strings.HasPrefix(err.Error(), "cannot read the key device: ") {
		t.Errorf("Read without the TPM: %v", err)
	}
	if _, err := keydevice.Attest(ctx, st, ""); !errors.Is(err, hsm.ErrNoDevice) || hints(err) != "" {
		t.Errorf("Attest without the TPM: %v (hints %q)", err, hints(err))
	}
	fakeDaemon(t, st.Dir, 812, &api.StatusInfo{BoxKey: tka.FormatTLPub(st.Pub), HSM: &api.HSMStatus{Present: true}})
	if _, err := keydevice.Attest(ctx, st, ""); !errors.Is(err, hsm.ErrNoDevice) || !strings.HasPrefix(hints(err), "signet serve (pid 812) holds the key device; stop it to attest the key") {
		t.Errorf("Attest while a daemon runs: %v (hints %q)", err, hints(err))
	}
}

// TestCheckTPMAttestation refuses evidence that is missing, unparsable or
// describes an object that could leave the TPM or be used without its
// policy.
func TestCheckTPMAttestation(t *testing.T) {
	loose := tpm2.Marshal(tpm2.New2B(tpm2.TPMTPublic{
		Type: tpm2.TPMAlgKeyedHash, NameAlg: tpm2.TPMAlgSHA256,
		ObjectAttributes: tpm2.TPMAObject{FixedTPM: true, FixedParent: true, UserWithAuth: true},
		Parameters:       tpm2.NewTPMUPublicParms(tpm2.TPMAlgKeyedHash, &tpm2.TPMSKeyedHashParms{Scheme: tpm2.TPMTKeyedHashScheme{Scheme: tpm2.TPMAlgNull}}),
		Unique:           tpm2.NewTPMUPublicID(tpm2.TPMAlgKeyedHash, &tpm2.TPM2BDigest{Buffer: make([]byte, 32)}),
	}))
	for _, tt := range []struct {
		name     string
		evidence [][]byte
		want     string
	}{
		{"none", nil, "tpm attestation has no public area to check"},
		{"garbage", [][]byte{{0, 3, 1}}, "tpm attestation: parsing the sealed object's public area: "},
		{"userWithAuth", [][]byte{loose}, "tpm attestation: the sealed object is not bound to this TPM and its policy (fixedTPM=true fixedParent=true userWithAuth=true policy=0 bytes); provision a new key"},
	} {
		err := keydevice.CheckTPMAttestation(hsm.Attestation{Evidence: tt.evidence}, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestPIV reads and attests a key on a virtual YubiKey: the attestation
// verifies against the card's test CA, not against Yubico's root.
func TestPIV(t *testing.T) {
	st, card, roots := pivState(t, 45678901)
	ctx := t.Context()
	var log bytes.Buffer
	r, err := keydevice.Read(ctx, &log, st)
	if err != nil || !r.State.Present || *r.State.PINTriesLeft != 3 || r.State.LockoutAuthSet != nil || r.State.Policy != "PIN once, touch never" {
		t.Fatalf("Read = %+v, %v", r, err)
	}
	a, err := keydevice.Attest(ctx, st, roots)
	if err != nil || !a.Hardware || a.Facts["serial"] != "45678901" {
		t.Errorf("Attest = %+v, %v", a, err)
	}
	if _, err := keydevice.Attest(ctx, st, ""); err == nil || !strings.HasPrefix(err.Error(), "attestation does not verify: YubiKey 45678901, slot 9c") {
		t.Errorf("Attest against Yubico's root: %v", err)
	}
	card.Remove()
	if _, err := keydevice.Read(ctx, &log, st); err == nil || !strings.HasPrefix(err.Error(), "cannot read the key device: ") {
		t.Errorf("Read without the card: %v", err)
	}
}
