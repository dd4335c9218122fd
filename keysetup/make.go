package keysetup

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/keydevice"
	"github.com/signetbox/signet/statedir"
)

// Result is a key just made and recorded.
type Result struct {
	// Dir is the absolute state directory the key is recorded in.
	Dir string
	// URI names the key.
	URI hsm.URI
	// Public is its public key.
	Public ed25519.PublicKey
	// Attestation is what the device proved about it; its Summary says
	// so when the attestation failed.
	Attestation hsm.Attestation
}

// Init makes the key o describes and records it: it prepares the state
// directory (PrepareStateDir), opens the console, asks for "replace"
// when o.Replace is set (ConfirmReplace), warns on log about a soft key,
// and calls Make.
func Init(ctx context.Context, o *Options, open func() (Console, error), log io.Writer) (*Result, error) {
	dir, err := PrepareStateDir(o.State, o.Replace)
	if err != nil {
		return nil, err
	}
	con, err := open()
	if err != nil {
		return nil, err
	}
	defer con.Close()
	if o.Replace {
		if err := ConfirmReplace(ctx, con, dir, log); err != nil {
			return nil, err
		}
	}
	if o.Backend == "soft" {
		fmt.Fprintln(log, "signet: warning: the soft backend is for development only: the key is a file protected by a passphrase, and anyone who can read the process can take it")
	}
	return Make(ctx, con, dir, o, log)
}

// Make makes the key with o's backend, asking for its secrets on con,
// and records its URI, public key and attestation in the state directory
// dir. Warnings go to log.
func Make(ctx context.Context, con Console, dir string, o *Options, log io.Writer) (*Result, error) {
	var res *Result
	var err error
	switch o.Backend {
	case "tpm":
		res, err = makeTPM(ctx, con, dir, o)
	case "piv":
		res, err = makePIV(ctx, con, o, log)
	case "soft":
		res, err = makeSoft(ctx, con, dir)
	default:
		err = fmt.Errorf("--hsm %q is not one of tpm, piv, soft", o.Backend)
	}
	if err != nil {
		return nil, err
	}
	res.Dir = dir
	doc := statedir.NewAttestationDoc(res.URI, res.Public, res.Attestation)
	if err := statedir.WriteKey(dir, res.URI, res.Public, doc); err != nil {
		return nil, err
	}
	return res, nil
}

// PrepareStateDir makes the state directory (0700) if needed and refuses
// a directory that already holds a key, unless replace is set. It returns
// the directory, absolute.
func PrepareStateDir(state string, replace bool) (string, error) {
	dir, err := statedir.Abs(state)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("making the state directory: %w", err)
	}
	there, err := statedir.HasKey(dir)
	switch {
	case err != nil:
		return "", err
	case there && !replace:
		return "", cli.WithHint(fmt.Errorf("%s already holds a key (%s exists); refusing to replace it", dir, statedir.KeyURI),
			"run 'signet key show' to see it",
			"to make a new key anyway, pass --replace-existing-key: the Tailnet Lock authority must then be told about the new key")
	}
	return dir, nil
}

// ConfirmReplace asks for the word "replace", then moves the old key
// files of dir aside, saying where on log.
func ConfirmReplace(ctx context.Context, con Console, dir string, log io.Writer) error {
	q := fmt.Sprintf("This makes a NEW signing key; the key recorded in %s will no longer be used.", dir)
	if err := con.ConfirmWord(ctx, q, "replace"); err != nil {
		return err
	}
	moved, err := statedir.MoveAside(dir, statedir.ReplacedKeyFiles()...)
	for _, m := range moved {
		fmt.Fprintf(log, "signet: moved the old key file to %s\n", m)
	}
	return err
}

// makeTPM seals a new key to the TPM and shows the new lockout secret once.
func makeTPM(ctx context.Context, con Console, dir string, o *Options) (*Result, error) {
	pcrs, err := ParsePCRs(o.PCRs)
	if err != nil {
		return nil, err
	}
	t, err := tpm.OpenDevice(o.Device)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	opts := tpm.ProvisionOptions{
		Path:         statedir.Path(dir, statedir.TPMKey),
		PCRs:         pcrs,
		MaxTries:     o.MaxTries,
		RecoveryTime: o.RecoveryTime,
	}
	st, err := tpm.ReadStatus(t)
	if err != nil {
		return nil, fmt.Errorf("reading the TPM's state: %w", err)
	}
	if st.LockoutAuthSet {
		con.Printf("This TPM already has a lockout secret (from an earlier 'signet key init').\n")
		if opts.CurrentLockoutSecret, err = readLockoutSecret(ctx, con); err != nil {
			return nil, err
		}
		defer hsm.Wipe(opts.CurrentLockoutSecret)
	}
	if opts.PIN, err = con.ReadNewSecret(ctx, "TPM PIN"); err != nil {
		return nil, err
	}
	defer hsm.Wipe(opts.PIN)
	p, err := tpm.Provision(ctx, t, opts)
	if err != nil {
		return nil, err
	}
	if p.LockoutSecret != nil {
		con.ShowOnce("TPM lockout secret: it resets the PIN counter after a lockout ('signet key reset-lockout')", p.LockoutSecret)
		hsm.Wipe(p.LockoutSecret)
	}
	u := hsm.URI{Scheme: "tpm", Path: opts.Path, Device: o.Device}
	return &Result{URI: u, Public: p.Key.PublicKey, Attestation: TPMAttestation(ctx, t, opts.Path)}, nil
}

// TPMAttestation attests the TPM key file at path, just written; a
// failure becomes the summary, since the key exists either way and
// 'signet key attest' can retry.
func TPMAttestation(ctx context.Context, t transport.TPM, path string) hsm.Attestation {
	k, err := tpm.NewKey(ctx, t, path, nil)
	if err == nil {
		defer k.Close()
		var a hsm.Attestation
		if a, err = k.Attest(ctx); err == nil {
			return a
		}
	}
	return hsm.Attestation{Backend: "tpm", Hardware: true, Summary: "attestation failed: " + err.Error()}
}

// readLockoutSecret reads a TPM lockout secret typed as hex (spaces
// allowed) with echo off.
func readLockoutSecret(ctx context.Context, con Console) ([]byte, error) {
	line, err := con.ReadSecret(ctx, "TPM lockout secret (hex, spaces allowed): ")
	if err != nil {
		return nil, err
	}
	defer hsm.Wipe(line)
	return ParseHexSecret(line, "lockout secret")
}

// ParseHexSecret decodes hex digits, skipping spaces, tabs and dashes,
// without copying them into strings; what names the secret in the error.
// Its errors never show the input. The caller wipes the result.
func ParseHexSecret(line []byte, what string) ([]byte, error) {
	digits := make([]byte, 0, len(line))
	defer func() { hsm.Wipe(digits) }()
	for _, c := range line {
		if !strings.ContainsRune(" -\t", rune(c)) {
			digits = append(digits, c)
		}
	}
	out := make([]byte, len(digits)/2)
	if _, err := hex.Decode(out, digits); err != nil || len(digits)%2 != 0 || len(out) == 0 {
		hsm.Wipe(out)
		return nil, fmt.Errorf("the %s typed is not hex digits; type it as it was shown, e.g. 0a1b 2c3d …", what)
	}
	return out, nil
}

// makePIV provisions the YubiKey and generates the key on the card.
func makePIV(ctx context.Context, con Console, o *Options, log io.Writer) (*Result, error) {
	u, err := hsm.ParseURI("piv:slot=" + o.Slot)
	if err != nil {
		return nil, fmt.Errorf("--slot: %w", err)
	}
	roots, err := keydevice.LoadRoots(o.Roots)
	if err != nil {
		return nil, err
	}
	p, err := piv.Provision(ctx, piv.ProvisionOptions{
		Serial: o.Serial, Slot: u.Slot,
		PINPolicy: pinPolicies[o.PINPolicy], TouchPolicy: touchPolicies[o.TouchPolicy],
		Prompt:              &Prompt{Con: con, Noun: "PIN"},
		ReturnManagementKey: o.MgmtKey == "print",
		Overwrite:           o.Replace,
	})
	if err != nil {
		return nil, err
	}
	if p.ManagementKey != nil {
		con.ShowOnce(fmt.Sprintf("PIV management key of YubiKey %d (AES-192)", p.Serial), p.ManagementKey)
		hsm.Wipe(p.ManagementKey)
	}
	u.Serial = p.Serial
	att, err := pivAttest(ctx, u, p.PublicKey, roots)
	if err != nil {
		fmt.Fprintf(log, "signet: warning: the new key's attestation does not verify: %s\n", cli.OneLine(err.Error()))
		att = hsm.Attestation{Backend: "piv", Hardware: true, Summary: "attestation failed: " + err.Error()}
	}
	return &Result{URI: u, Public: p.PublicKey, Attestation: att}, nil
}

// pivAttest opens the key u names (no PIN needed) and verifies its
// attestation against roots (Yubico's when nil).
func pivAttest(ctx context.Context, u hsm.URI, pub ed25519.PublicKey, roots *x509.CertPool) (hsm.Attestation, error) {
	k, err := keydevice.OpenNoPIN(ctx, &statedir.KeyState{URI: u, Pub: pub}, roots)
	if err != nil {
		return hsm.Attestation{}, err
	}
	defer k.Close()
	return k.Attest(ctx)
}

// makeSoft writes a passphrase-encrypted software key (development only).
func makeSoft(ctx context.Context, con Console, dir string) (*Result, error) {
	path := statedir.Path(dir, statedir.SoftKey)
	pub, err := soft.Create(ctx, path, &Prompt{Con: con, Noun: "passphrase"})
	if err != nil {
		return nil, err
	}
	return &Result{URI: hsm.URI{Scheme: "soft", Path: path}, Public: pub, Attestation: keydevice.SoftAttestation(path)}, nil
}
