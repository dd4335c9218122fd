package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/ceremony"
	"github.com/signetbox/signet/keysetup"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal/qrscreen"
)

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

  1. the names of the people present, the witnesses (the runbook asks
     for two; going on with fewer needs "fewer witnesses" typed);
  2. the other tailnet-lock keys to trust (tlpub:HEX, each re-asked on a typo);
  3. the plan, confirmed by typing "begin";
  4. the box's key: made as 'signet key init' makes it (--hsm and its
     flags), or the key already in the state directory;
  5. the key unlocked once: its PIN (or passphrase) is asked and checked
     by the device before any secret exists; a mistyped one is asked
     again while the device has tries to spare (never its last one);
  6. its attestation;
  7. N disablement secrets from the system RNG, each shown ONCE on the
     terminal as a QR code (press Enter) and as disablement-secret:HEX,
     confirmed by typing its last 4 hex digits back, never stored;
  8. the outputs: the 'tailscale lock init' line and, with --genesis, a
     genesis AUM signed by the box; then the transcript, signed with the
     same unlock and written. Only then does the init line go to stdout
     (with the genesis AUM in hex, which also goes into the chain store).

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
			a.key.State = stateDirOf(cmd)
			if err := a.validate(cmd); err != nil {
				return usageErr(withHint(err, "run 'signet ceremony init --help' for its flags"))
			}
			return runCeremonyInit(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), a)
		},
	}
	addKeyInitFlags(cmd.Flags(), &a.key)
	cmd.Flags().Lookup("hsm").Usage = "where a new key lives: `tpm`, piv or soft (not needed when the state directory holds a key)"
	cmd.Flags().IntVar(&a.disablement, "disablement", 3, fmt.Sprintf("how many disablement secrets to make (`N`, 1-%d)", ceremony.MaxSecrets))
	cmd.Flags().BoolVar(&a.genesis, "genesis", false, "also make the genesis AUM of a new authority, signed by the box, into the (empty) chain store")
	cmd.Flags().BoolVar(&a.noQR, "no-qr", false, "show the disablement secrets as text only, without a QR code each")
	cmd.Flags().StringVar(&a.out, "out", "", "`DIR` for the transcript files (default: the state directory)")
	return cmd
}

// validate checks the flags. The backend flags are checked only when a
// new key is to be made; runCeremonyInit decides that.
func (a *ceremonyArgs) validate(cmd *cobra.Command) error {
	if n := ceremony.MaxSecrets; a.disablement < 1 || a.disablement > n {
		return fmt.Errorf("--disablement %d is out of range; use 1-%d (an authority holds at most %d disablement values)", a.disablement, n, n)
	}
	if a.key.Replace {
		return errors.New("--replace-existing-key is not taken here; replace the key with 'signet key init' first")
	}
	if a.out == "" {
		a.out = a.key.State
	}
	if a.key.Backend == "" {
		return nil
	}
	return a.key.Validate(cmd.Flags().Changed)
}

// testOnlyCeremonyRand, when non-nil, replaces crypto/rand in the
// ceremony, so scripts know the secrets' last digits in advance.
var testOnlyCeremonyRand io.Reader

// runCeremonyInit opens what the ceremony needs (the state directory and
// its lock, the journal, the chain store, the console) and runs it.
func runCeremonyInit(ctx context.Context, stdout, stderr io.Writer, a *ceremonyArgs) error {
	s, err := ceremony.Open(a.key.State, a.out, a.key.Backend, a.genesis)
	if err != nil {
		return err
	}
	defer s.Close()
	o := ceremony.Options{
		Stdout: stdout, Log: stderr, StateDir: s.StateDir, OutDir: s.OutDir,
		Secrets: a.disablement, QR: !a.noQR, Genesis: a.genesis,
		Key: s.Key, Backend: a.key.Backend, Journal: s.Journal, WriteNew: statedir.WriteNew,
		Rand: testOnlyCeremonyRand, Version: version(), // a nil Rand is crypto/rand
	}
	if s.Chain != nil {
		o.Chain = s.Chain
	}
	con, err := openConsole()
	if err != nil {
		return err
	}
	defer con.Close()
	o.Terminal = qrscreen.Line{Line: con}
	o.MakeKey = func(ctx context.Context) (*ceremony.BoxKey, error) {
		res, err := keysetup.Make(ctx, con, s.StateDir, &a.key, stderr)
		if err != nil {
			return nil, err
		}
		return &ceremony.BoxKey{URI: res.URI, Public: res.Public, Attestation: &res.Attestation}, nil
	}
	c, err := ceremony.New(o)
	if err != nil {
		return err
	}
	return c.Run(ctx)
}
