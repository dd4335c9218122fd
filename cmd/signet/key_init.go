package main

import (
	"context"
	"fmt"
	"io"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/keysetup"
	"github.com/signetbox/signet/tka"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// keyInitArgs holds the flags of "signet key init".
type keyInitArgs = keysetup.Options

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
			args.State = stateDirOf(cmd)
			if err := args.Validate(cmd.Flags().Changed); err != nil {
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
	f.StringVar(&args.Backend, "hsm", "", "where the key lives: `tpm`, piv or soft (soft is for development only)")
	f.StringVar(&args.Device, "device", hsm.DefaultTPMDevice, "tpm: the TPM `device` (/dev/tpmrm0, tcp://host:port, unix:///path)")
	f.StringVar(&args.PCRs, "pcrs", "7", "tpm: comma-separated sha256 `PCRs` the key is sealed to")
	f.Uint32Var(&args.MaxTries, "max-tries", tpm.DefaultMaxTries, "tpm: wrong PINs before the TPM locks out")
	f.DurationVar(&args.RecoveryTime, "recovery-time", tpm.DefaultRecoveryTime, "tpm: how long the TPM takes to forget one wrong PIN")
	f.StringVar(&args.Slot, "slot", "9c", "piv: the PIV `slot` (9a, 9c, 9d, 9e, 82-95)")
	f.Uint32Var(&args.Serial, "serial", 0, "piv: the YubiKey serial `number` (default: the only one inserted)")
	f.StringVar(&args.PINPolicy, "pin-policy", "once", "piv: when the card asks for the PIN: `once` or always")
	f.StringVar(&args.TouchPolicy, "touch-policy", "always", "piv: when the card wants a touch: `always`, cached or never")
	f.StringVar(&args.MgmtKey, "mgmt-key", "stored", "piv: keep the new management key PIN-protected on the card (`stored`) or show it once (print)")
	f.StringVar(&args.Roots, "roots", "", "piv: PEM `file` of attestation roots (default: Yubico's)")
	f.BoolVar(&args.Replace, "replace-existing-key", false, "make a new key although one exists; the old files are renamed (asks you to type \"replace\")")
}

// runKeyInit makes the key and says where it is recorded.
func runKeyInit(ctx context.Context, stdout, stderr io.Writer, args *keyInitArgs) error {
	res, err := keysetup.Init(ctx, args, keyConsole, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", tka.FormatTLPub(res.Public))
	fmt.Fprintf(stderr, "signet: made a %s key: %s\nsignet: its URI, public key and attestation are in %s\n", res.URI.Scheme, res.URI, res.Dir)
	return nil
}
