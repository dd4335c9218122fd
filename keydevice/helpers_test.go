package keydevice_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/vpiv"
	"github.com/signetbox/signet/statedir"
)

func init() { soft.UseCheapKDFForTests() }

const testPIN = "2468-test-pin"

// hints returns the hints err carries (the CLI prints them).
func hints(err error) string {
	var h interface{ Hints() []string }
	if errors.As(err, &h) {
		return strings.Join(h.Hints(), "\n")
	}
	return ""
}

// record writes the key files of a state directory and loads them back.
func record(t *testing.T, dir string, u hsm.URI, pub []byte, att hsm.Attestation) *statedir.KeyState {
	t.Helper()
	if err := statedir.WriteKey(dir, u, pub, statedir.NewAttestationDoc(u, pub, att)); err != nil {
		t.Fatal(err)
	}
	ks, err := statedir.LoadKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// softState is a state directory with a soft key.
func softState(t *testing.T) *statedir.KeyState {
	t.Helper()
	dir := t.TempDir()
	path := statedir.Path(dir, statedir.SoftKey)
	pub, err := soft.Create(context.Background(), path, hsm.FixedPIN("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	return record(t, dir, hsm.URI{Scheme: "soft", Path: path}, pub, hsm.Attestation{Backend: "soft", Summary: soft.Summary})
}

// tpmState is a state directory with a key sealed to a new swtpm (3
// tries, an hour's recovery), recorded with its attestation.
func tpmState(t *testing.T) (*statedir.KeyState, *swtpm.Instance) {
	t.Helper()
	testenv.SkipShort(t, "a software TPM (swtpm)")
	dir := t.TempDir()
	inst, err := swtpm.Start(filepath.Join(dir, "tpm"))
	if errors.Is(err, swtpm.ErrMissing) {
		testenv.SkipOrFail(t, "swtpm is not installed (run scripts/deps.sh)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Stop)
	dev, err := tpm.OpenDevice(inst.Device)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	path := statedir.Path(dir, statedir.TPMKey)
	ctx := context.Background()
	p, err := tpm.Provision(ctx, dev, tpm.ProvisionOptions{Path: path, PIN: []byte(testPIN), PCRs: []int{7}, MaxTries: 3, RecoveryTime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	k, err := tpm.NewKey(ctx, dev, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	att, err := k.Attest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return record(t, dir, hsm.URI{Scheme: "tpm", Path: path, Device: inst.Device}, p.Key.PublicKey, att), inst
}

// cardAnswers answers a provisioning's questions on a factory-fresh card.
type cardAnswers map[string]string

func (a cardAnswers) PIN(_ context.Context, why string) ([]byte, error) {
	if s, ok := a[why]; ok {
		return []byte(s), nil
	}
	return nil, errors.New("unexpected question: " + why)
}

// pivState is a state directory with a key made on a new virtual
// YubiKey; it returns the card and a PEM file of its attestation CA.
func pivState(t *testing.T, serial uint32) (*statedir.KeyState, *vpiv.Card, string) {
	t.Helper()
	vpiv.RequirePCSCD(t)
	c, err := vpiv.New(vpiv.Options{Serial: serial})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := c.Insert(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Remove)
	p, err := piv.Provision(ctx, piv.ProvisionOptions{Serial: serial, TouchPolicy: piv.TouchNever, Prompt: cardAnswers{
		piv.WhyCurrentPIN: "123456", piv.WhyCurrentPUK: "12345678", piv.WhyNewPIN: "24681357", piv.WhyNewPUK: "86420975",
	}})
	if err != nil {
		t.Fatal(err)
	}
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.CA().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	u := hsm.URI{Scheme: "piv", Serial: serial, Slot: p.Slot}
	return record(t, t.TempDir(), u, p.PublicKey, hsm.Attestation{Backend: "piv", Hardware: true, Summary: "made"}), c, roots
}

// fakeDaemon answers the status call on a unix socket recorded in dir's
// serve.json, as a running signet serve does, with info.
func fakeDaemon(t *testing.T, dir string, pid int, info *api.StatusInfo) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "api.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	info.Boot = "boot-1"
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != api.PathStatus {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(info)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	remove, err := statedir.WriteServeRecord(dir, statedir.ServeRecordDoc{Socket: sock, PID: pid, Boot: info.Boot})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
}
