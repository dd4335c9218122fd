package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal"
	"github.com/spf13/cobra"
)

// keyPINArgs holds the flags of "signet key change-pin" and
// "signet key reset-lockout".
type keyPINArgs struct {
	state string // the global --state
}

// newKeyChangePINCmd builds "signet key change-pin".
func newKeyChangePINCmd() *cobra.Command {
	args := &keyPINArgs{}
	cmd := &cobra.Command{
		Use:   "change-pin [flags]",
		Short: "Change the PIN or passphrase that unlocks the key",
		Long: `Change the PIN of a TPM key: type the current PIN, then the new one twice,
on the console. The key is unsealed with the old PIN and sealed again with
the new one to the same PCRs; the public key does not change. A wrong
current PIN counts against the TPM's lockout like any other.

A YubiKey asks for its current PIN, then the new one twice; a wrong
current PIN counts against the card's tries.

A soft key asks for its current passphrase, then the new one twice (not
empty, not the current one). The file is decrypted with the current
passphrase and replaced atomically by one sealed with the new passphrase
under a fresh salt; a wrong current passphrase changes nothing. The daemon
must be stopped first: change-pin takes the state directory's lock.`,
		Example: `  $ signet key change-pin
  Current TPM PIN:
  New TPM PIN:
  Repeat the new TPM PIN:`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args.state = stateDirOf(cmd)
			return runKeyChangePIN(cmd.Context(), cmd.ErrOrStderr(), args)
		},
	}
	return cmd
}

func runKeyChangePIN(ctx context.Context, stderr io.Writer, args *keyPINArgs) error {
	st, err := loadKeyState(args.state)
	if err != nil {
		return err
	}
	if st.URI.Scheme == "soft" {
		return changeSoftPassphrase(ctx, stderr, st)
	}
	con, err := openConsole()
	if err != nil {
		return err
	}
	defer con.Close()
	if st.URI.Scheme == "piv" {
		if err := piv.ChangePIN(ctx, st.URI.Serial, &ttyPrompt{con: con, noun: "PIN"}); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "signet: the PIN of YubiKey %d is changed\n", st.URI.Serial)
		return nil
	}
	old, err := con.ReadSecret(ctx, "Current TPM PIN: ")
	if err != nil {
		return err
	}
	defer hsm.Wipe(old)
	next, err := con.ReadNewSecret(ctx, "TPM PIN")
	if err != nil {
		return err
	}
	defer hsm.Wipe(next)
	t, err := tpm.OpenDevice(st.URI.Device)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := tpm.ChangePIN(ctx, t, st.URI.Path, old, next); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "signet: the TPM PIN is changed")
	return nil
}

// newKeyResetLockoutCmd builds "signet key reset-lockout".
func newKeyResetLockoutCmd() *cobra.Command {
	args := &keyPINArgs{}
	cmd := &cobra.Command{
		Use:   "reset-lockout [flags]",
		Short: "Let the PIN be tried again after too many wrong PINs",
		Long: `Reset the device's wrong-PIN counter.

tpm: type the lockout secret that 'signet key init' showed once (hex,
spaces allowed). A wrong lockout secret blocks the next attempt for the
TPM's lockout recovery time (24h by default). piv: type the PUK, then a new
PIN twice; this unblocks a blocked PIN. soft keys have no lockout.`,
		Example: `  $ signet key reset-lockout
  TPM lockout secret (hex, spaces allowed):`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args.state = stateDirOf(cmd)
			return runKeyResetLockout(cmd.Context(), cmd.ErrOrStderr(), args)
		},
	}
	return cmd
}

func runKeyResetLockout(ctx context.Context, stderr io.Writer, args *keyPINArgs) error {
	st, err := loadKeyState(args.state)
	if err != nil {
		return err
	}
	if st.URI.Scheme == "soft" {
		return errors.New("a soft key has no lockout: a wrong passphrase can be retried at once")
	}
	con, err := openConsole()
	if err != nil {
		return err
	}
	defer con.Close()
	if st.URI.Scheme == "piv" {
		if err := piv.Unblock(ctx, st.URI.Serial, &ttyPrompt{con: con, noun: "PIN"}); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "signet: the PIN of YubiKey %d is unblocked and set to the new PIN\n", st.URI.Serial)
		return nil
	}
	return resetTPMLockout(ctx, con, st, stderr)
}

func resetTPMLockout(ctx context.Context, con *terminal.Line, st *statedir.KeyState, stderr io.Writer) error {
	secret, err := readLockoutSecret(ctx, con)
	if err != nil {
		return err
	}
	defer hsm.Wipe(secret)
	t, err := tpm.OpenDevice(st.URI.Device)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := tpm.ResetLockout(ctx, t, secret); err != nil {
		return err
	}
	s, err := tpm.ReadStatus(t)
	if err != nil {
		return fmt.Errorf("the lockout is reset, but reading the TPM's state failed: %w", err)
	}
	fmt.Fprintf(stderr, "signet: the TPM's PIN counter is reset: %d of %d tries left\n", s.PINRetries, s.MaxTries)
	return nil
}
