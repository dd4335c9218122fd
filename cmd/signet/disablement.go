package main

// Rules for this file: a disablement secret is read from the console with
// echo off, or from stdin when stdin is not a terminal, never from the
// command line (ceremony/disablement.go reads, checks and wipes it).

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/ceremony"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/terminal"
	"github.com/signetbox/signet/tka"
)

// newDisablementCmd builds "signet disablement" and its verbs.
func newDisablementCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "disablement VERB",
		Short: "Check a disablement secret against the authority",
		Long: `A disablement secret turns Tailnet Lock off for the whole tailnet. The
authority keeps only its disablement value, a one-way KDF output. These
verbs read a secret from the terminal (echo off) or from stdin, never from
the command line.`,
		Args: noArgs,
		RunE: noVerb,
	}
	cmd.AddCommand(newDisablementCheckCmd())
	return cmd
}

// readDisablementSecret reads one disablement secret
// (ceremony.ReadDisablementSecret): on the console with echo off when
// stdin is a terminal, else one line of stdin. The caller wipes it.
func readDisablementSecret(ctx context.Context, stdin io.Reader) ([]byte, error) {
	if f, ok := stdin.(*os.File); !ok || !terminal.IsTerminal(f) {
		return ceremony.ReadDisablementSecret(ctx, nil, stdin)
	}
	con, err := openConsole()
	if err != nil {
		return nil, err
	}
	defer con.Close()
	return ceremony.ReadDisablementSecret(ctx, con, nil)
}

// noSecretArgs refuses arguments without repeating them: an argument to
// these verbs is most likely a secret typed where it does not belong.
func noSecretArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usageErr(withHint(fmt.Errorf("%s takes no arguments; a disablement secret is never taken from the command line", cmd.CommandPath()),
		"type it on the terminal (echo off) or pipe one line disablement-secret:HEX on stdin",
		"if that was a real secret, clear it from your shell history"))
}

// newDisablementKDFCmd builds "signet disablement-kdf".
func newDisablementKDFCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disablement-kdf",
		Short: "Print the disablement value of a disablement secret",
		Long: `Read a disablement secret and print its disablement value, the
disablement:HEX form that 'tailscale lock init' takes and the authority
stores. The secret is typed on the terminal with echo off or, when stdin is
not a terminal, read as one line disablement-secret:HEX from stdin. It is
never taken from the command line and never printed.`,
		Example: `  $ signet disablement-kdf
  Disablement secret (disablement-secret:HEX, echo off):
  disablement:4e1f…
  $ signet disablement-kdf < /media/usb/secret.txt`,
		Args: noSecretArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDisablementKDF(cmd.Context(), cmd.OutOrStdout(), cmd.InOrStdin())
		},
	}
}

func runDisablementKDF(ctx context.Context, w io.Writer, stdin io.Reader) error {
	secret, err := readDisablementSecret(ctx, stdin)
	if err != nil {
		return err
	}
	defer hsm.Wipe(secret)
	_, err = fmt.Fprintln(w, tka.FormatDisablement(tka.DisablementKDF(secret)))
	return err
}

// newDisablementCheckCmd builds "signet disablement check".
func newDisablementCheckCmd() *cobra.Command {
	var asJSON int
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Say whether a disablement secret matches the authority in the chain store",
		Long: `Read a disablement secret (typed on the terminal with echo off, or one
line disablement-secret:HEX on stdin) and say whether its disablement
value is one of those of the authority in the chain store. The secret is
never taken from the command line and never printed.

Exit status 0 if it matches, 1 if it does not (or nothing could be read).
It only reads the chain store, and may run while signet serve does.
--json prints one JSON object (docs/json.md) when the secret matches.`,
		Example: `  $ signet disablement check
  Disablement secret (disablement-secret:HEX, echo off):
  the secret matches disablement value 2 of 3 of the authority (head 5D1C…)`,
		Args: noSecretArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkJSONVersion(asJSON, ceremony.DisablementSchema); err != nil {
				return err
			}
			return runDisablementCheck(cmd.Context(), cmd.OutOrStdout(), cmd.InOrStdin(), stateDirOf(cmd), asJSON != 0)
		},
	}
	addJSONFlag(cmd, &asJSON, ceremony.DisablementSchema)
	return cmd
}

func runDisablementCheck(ctx context.Context, w io.Writer, stdin io.Reader, dir string, asJSON bool) error {
	// Read-only and without the state dir lock: check may run while
	// signet serve does.
	st, a, err := readAuthority(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, err := readDisablementSecret(ctx, stdin)
	if err != nil {
		return err
	}
	m, err := ceremony.CheckDisablement(a, secret)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, m)
	}
	_, err = fmt.Fprintln(w, m.Line())
	return err
}
