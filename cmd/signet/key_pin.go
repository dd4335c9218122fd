package main

import (
	"context"
	"io"

	"github.com/signetbox/signet/keysetup"
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
	return keysetup.ChangePIN(ctx, st, keyConsole, stderr)
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
	return keysetup.ResetLockout(ctx, st, keyConsole, stderr)
}
