package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal"
	"github.com/signetbox/signet/tka"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// keyInitArgs holds the flags of "signet key init".
type keyInitArgs struct {
	hsm          string        // tpm, piv or soft
	state        string        // the global --state
	device       string        // tpm: the TPM device
	pcrs         string        // tpm: comma-separated PCR indices
	maxTries     uint32        // tpm: wrong PINs before lockout
	recoveryTime time.Duration // tpm: time to forget one wrong PIN
	slot         string        // piv: slot in hex
	serial       uint32        // piv: YubiKey serial
	pinPolicy    string        // piv: once or always
	touchPolicy  string        // piv: always, cached or never
	mgmtKey      string        // piv: stored or print
	roots        string        // piv: attestation roots (PEM), default Yubico's
	replace      bool          // replace an existing key after typing "replace"

	pcrList []int // parsed pcrs
}

// backendFlags lists the flags that only one backend takes.
var backendFlags = map[string][]string{
	"tpm": {"device", "pcrs", "max-tries", "recovery-time"},
	"piv": {"slot", "serial", "pin-policy", "touch-policy", "mgmt-key", "roots"},
}

// newKeyInitCmd builds "signet key init".
func newKeyInitCmd() *cobra.Command {
	args := &keyInitArgs{}
	cmd := &cobra.Command{
		Use:   "init --hsm tpm|piv|soft [flags]",
		Short: "Make the signing key in a TPM, a YubiKey or (development only) a file",
		Long: `Make a new Ed25519 signing key and record its URI, public key and
attestation in the state directory.

tpm seals a new seed to the TPM (PCRs and a PIN you type twice), sets the
TPM's dictionary-attack limits and a new lockout secret, and shows that
secret ONCE on the terminal: write it down, it is not stored. piv replaces
the YubiKey's PIN, PUK and management key and generates the key on the
card; with --mgmt-key print the new management key is shown once instead
of being stored on the card. soft writes a passphrase-encrypted file and is
for development only.

Secrets are typed on the console with echo off. An existing key is never
replaced unless you pass --replace-existing-key and type "replace"; the
old files are renamed, not deleted.`,
		Example: `  $ signet key init --hsm tpm
  $ signet key init --hsm tpm --device /dev/tpmrm0 --pcrs 7 --max-tries 10
  $ signet key init --hsm piv --serial 12345678 --touch-policy always`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args.state = stateDirOf(cmd)
			if err := args.validate(cmd); err != nil {
				return usageErr(withHint(err, "run 'signet key init --help' for its flags"))
			}
			return runKeyInit(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args)
		},
	}
	addKeyInitFlags(cmd.Flags(), args)
	return cmd
}

// addKeyInitFlags adds the flags that choose and configure the backend of
// a new key; "signet ceremony init" takes the same ones.
func addKeyInitFlags(f *pflag.FlagSet, args *keyInitArgs) {
	f.StringVar(&args.hsm, "hsm", "", "where the key lives: `tpm`, piv or soft (soft is for development only)")
	f.StringVar(&args.device, "device", hsm.DefaultTPMDevice, "tpm: the TPM `device` (/dev/tpmrm0, tcp://host:port, unix:///path)")
	f.StringVar(&args.pcrs, "pcrs", "7", "tpm: comma-separated sha256 `PCRs` the key is sealed to")
	f.Uint32Var(&args.maxTries, "max-tries", tpm.DefaultMaxTries, "tpm: wrong PINs before the TPM locks out")
	f.DurationVar(&args.recoveryTime, "recovery-time", tpm.DefaultRecoveryTime, "tpm: how long the TPM takes to forget one wrong PIN")
	f.StringVar(&args.slot, "slot", "9c", "piv: the PIV `slot` (9a, 9c, 9d, 9e, 82-95)")
	f.Uint32Var(&args.serial, "serial", 0, "piv: the YubiKey serial `number` (default: the only one inserted)")
	f.StringVar(&args.pinPolicy, "pin-policy", "once", "piv: when the card asks for the PIN: `once` or always")
	f.StringVar(&args.touchPolicy, "touch-policy", "always", "piv: when the card wants a touch: `always`, cached or never")
	f.StringVar(&args.mgmtKey, "mgmt-key", "stored", "piv: keep the new management key PIN-protected on the card (`stored`) or show it once (print)")
	f.StringVar(&args.roots, "roots", "", "piv: PEM `file` of attestation roots (default: Yubico's)")
	f.BoolVar(&args.replace, "replace-existing-key", false, "make a new key although one exists; the old files are renamed (asks you to type \"replace\")")
}

// validate checks the flags before anything is touched.
func (a *keyInitArgs) validate(cmd *cobra.Command) error {
	if _, ok := map[string]bool{"tpm": true, "piv": true, "soft": true}[a.hsm]; !ok {
		if a.hsm == "" {
			return fmt.Errorf("--hsm is required: tpm, piv or soft")
		}
		return fmt.Errorf("--hsm %q is not one of tpm, piv, soft", a.hsm)
	}
	for backend, names := range backendFlags {
		for _, n := range names {
			if backend != a.hsm && cmd.Flags().Changed(n) {
				return fmt.Errorf("--%s applies only to --hsm %s", n, backend)
			}
		}
	}
	switch a.hsm {
	case "tpm":
		return a.validateTPM()
	case "piv":
		return a.validatePIV()
	}
	return nil
}

func (a *keyInitArgs) validateTPM() error {
	pcrs, err := parsePCRs(a.pcrs)
	if err != nil {
		return err
	}
	a.pcrList = pcrs
	if a.maxTries == 0 || a.maxTries > 1000 {
		return fmt.Errorf("--max-tries %d is out of range; use 1-1000", a.maxTries)
	}
	if a.recoveryTime < time.Second || a.recoveryTime%time.Second != 0 {
		return fmt.Errorf("--recovery-time %s is not a whole number of seconds of at least 1s", a.recoveryTime)
	}
	if _, err := hsm.ParseURI("tpm:/x?device=" + a.device); err != nil {
		return fmt.Errorf("--device: %w", err)
	}
	return nil
}

// parsePCRs parses "7" or "0,2,7" into sorted, distinct PCR indices 0-23.
func parsePCRs(s string) ([]int, error) {
	var pcrs []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 || n > 23 {
			return nil, fmt.Errorf("--pcrs %q: %q is not a PCR number 0-23", s, f)
		}
		if slices.Contains(pcrs, n) {
			return nil, fmt.Errorf("--pcrs %q names PCR %d twice", s, n)
		}
		pcrs = append(pcrs, n)
	}
	slices.Sort(pcrs)
	return pcrs, nil
}

// initResult is what a backend made.
type initResult struct {
	uri hsm.URI
	pub ed25519.PublicKey
	att hsm.Attestation
}

// runKeyInit checks the state directory, opens the console, makes the key
// with the chosen backend and records it.
func runKeyInit(ctx context.Context, stdout, stderr io.Writer, args *keyInitArgs) error {
	dir, err := prepareStateDir(args.state, args.replace)
	if err != nil {
		return err
	}
	con, err := openConsole()
	if err != nil {
		return err
	}
	defer con.Close()
	if args.replace {
		if err := confirmReplace(ctx, con, dir, stderr); err != nil {
			return err
		}
	}
	if args.hsm == "soft" {
		fmt.Fprintln(stderr, "signet: warning: the soft backend is for development only: the key is a file protected by a passphrase, and anyone who can read the process can take it")
	}
	res, err := initBackend(ctx, con, dir, args, stderr)
	if err != nil {
		return err
	}
	doc := statedir.NewAttestationDoc(res.uri, res.pub, res.att)
	if err := statedir.WriteKey(dir, res.uri, res.pub, doc); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", tka.FormatTLPub(res.pub))
	fmt.Fprintf(stderr, "signet: made a %s key: %s\nsignet: its URI, public key and attestation are in %s\n", res.uri.Scheme, res.uri, dir)
	return nil
}

func initBackend(ctx context.Context, con *terminal.Line, dir string, args *keyInitArgs, stderr io.Writer) (*initResult, error) {
	switch args.hsm {
	case "tpm":
		return initTPM(ctx, con, dir, args)
	case "piv":
		return initPIV(ctx, con, args, stderr)
	}
	return initSoft(ctx, con, dir)
}

// prepareStateDir makes the state directory (0700) if needed and refuses a
// directory that already holds a key, unless replace is set.
func prepareStateDir(state string, replace bool) (string, error) {
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
		return "", withHint(fmt.Errorf("%s already holds a key (%s exists); refusing to replace it", dir, statedir.KeyURI),
			"run 'signet key show' to see it",
			"to make a new key anyway, pass --replace-existing-key: the Tailnet Lock authority must then be told about the new key")
	}
	return dir, nil
}

// confirmReplace asks for the word "replace", then moves the old key files
// aside.
func confirmReplace(ctx context.Context, con *terminal.Line, dir string, stderr io.Writer) error {
	q := fmt.Sprintf("This makes a NEW signing key; the key recorded in %s will no longer be used.", dir)
	if err := con.ConfirmWord(ctx, q, "replace"); err != nil {
		return err
	}
	moved, err := statedir.MoveAside(dir, statedir.ReplacedKeyFiles()...)
	for _, m := range moved {
		fmt.Fprintf(stderr, "signet: moved the old key file to %s\n", m)
	}
	return err
}
