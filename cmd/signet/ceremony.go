package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// maxDisablementSecrets is the most disablement values an authority holds
// (tka's maxDisablementValues).
const maxDisablementSecrets = 32

// newCeremonyCmd builds "signet ceremony" and its verbs.
func newCeremonyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ceremony VERB",
		Short: "Run and check an offline key ceremony",
		Long: `An offline key ceremony provisions the box's key, makes the disablement
secrets, prints the 'tailscale lock init' line for the online node, and
leaves a transcript signed by the box's key. See docs/ceremony.md.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr(withHint(errors.New("no ceremony verb given"), "run 'signet ceremony --help' to list them"))
		},
	}
	cmd.AddCommand(newCeremonyInitCmd(), newCeremonyVerifyCmd())
	return cmd
}

// ceremonyArgs holds the flags of "signet ceremony init".
type ceremonyArgs struct {
	key         keyInitArgs // the backend, as for "signet key init"
	disablement int         // how many disablement secrets to make
	genesis     bool        // also make the genesis AUM
	out         string      // where the transcript goes; default the state dir
	noQR        bool        // show the secrets as text only
}

// newCeremonyInitCmd builds "signet ceremony init".
func newCeremonyInitCmd() *cobra.Command {
	a := &ceremonyArgs{}
	cmd := &cobra.Command{
		Use:   "init [--hsm tpm|piv|soft] [flags]",
		Short: "Run the offline key ceremony on the box's console",
		Long: `Run the offline key ceremony, step by step, on the box's console:

  1. the names of the people present;
  2. the other tailnet-lock keys to trust (tlpub:HEX, each re-asked on a typo);
  3. the plan, confirmed by typing "begin";
  4. the box's key: made as 'signet key init' makes it (--hsm and its
     flags), or the key already in the state directory;
  5. its attestation;
  6. N disablement secrets from the system RNG, each shown ONCE on the
     terminal as a QR code (press Enter) and as disablement-secret:HEX,
     confirmed by typing its last 4
     hex digits back, never stored;
  7. the outputs: the 'tailscale lock init' line on stdout, with --genesis
     a genesis AUM signed by the box (hex on stdout, and into the chain
     store), and the transcript.

Every input is checked before the key is touched. The transcript
(ceremony-TIME.md and .json in --out) names the people, the times, the
key and its attestation, every step's result and the SHA-256 of every
output; it is signed by the box's key and recorded in the journal. Check
it with 'signet ceremony verify'. Secrets never reach stdout, stderr,
files or the journal.`,
		Example: `  $ signet ceremony init --hsm tpm --disablement 3
  $ signet ceremony init --genesis --out /media/usb
  $ signet ceremony verify /media/usb/ceremony-20260102T100000Z.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.key.state = stateDirOf(cmd)
			if err := a.validate(cmd); err != nil {
				return usageErr(withHint(err, "run 'signet ceremony init --help' for its flags"))
			}
			return runCeremonyInit(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), a)
		},
	}
	addKeyInitFlags(cmd.Flags(), &a.key)
	cmd.Flags().Lookup("hsm").Usage = "where a new key lives: `tpm`, piv or soft (not needed when the state directory holds a key)"
	cmd.Flags().IntVar(&a.disablement, "disablement", 3, fmt.Sprintf("how many disablement secrets to make (`N`, 1-%d)", maxDisablementSecrets))
	cmd.Flags().BoolVar(&a.genesis, "genesis", false, "also make the genesis AUM of a new authority, signed by the box, into the (empty) chain store")
	cmd.Flags().BoolVar(&a.noQR, "no-qr", false, "show the disablement secrets as text only, without a QR code each")
	cmd.Flags().StringVar(&a.out, "out", "", "`DIR` for the transcript files (default: the state directory)")
	return cmd
}

// validate checks the flags. The backend flags are checked only when a
// new key is to be made; runCeremonyInit decides that.
func (a *ceremonyArgs) validate(cmd *cobra.Command) error {
	if a.disablement < 1 || a.disablement > maxDisablementSecrets {
		return fmt.Errorf("--disablement %d is out of range; use 1-%d (an authority holds at most %d disablement values)",
			a.disablement, maxDisablementSecrets, maxDisablementSecrets)
	}
	if a.key.replace {
		return errors.New("--replace-existing-key is not taken here; replace the key with 'signet key init' first")
	}
	if a.out == "" {
		a.out = a.key.state
	}
	if a.key.hsm == "" {
		return nil
	}
	return a.key.validate(cmd)
}
