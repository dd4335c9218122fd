package keysetup

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/statedir"
)

// ChangePIN changes the PIN (tpm, piv) or passphrase (soft) of st's key,
// asking for the current and the new one on the console open gives, and
// says on log that it is changed. A soft key's state directory is locked
// first, so no daemon has the key open meanwhile.
func ChangePIN(ctx context.Context, st *statedir.KeyState, open func() (Console, error), log io.Writer) error {
	if st.URI.Scheme == "soft" {
		return changeSoftPassphrase(ctx, st, open, log)
	}
	con, err := open()
	if err != nil {
		return err
	}
	defer con.Close()
	if st.URI.Scheme == "piv" {
		if err := piv.ChangePIN(ctx, st.URI.Serial, &Prompt{Con: con, Noun: "PIN"}); err != nil {
			return err
		}
		fmt.Fprintf(log, "signet: the PIN of YubiKey %d is changed\n", st.URI.Serial)
		return nil
	}
	old, next, err := readOldNew(ctx, con, "Current TPM PIN: ", "TPM PIN")
	if err != nil {
		return err
	}
	defer hsm.Wipe(old)
	defer hsm.Wipe(next)
	t, err := tpm.OpenDevice(st.URI.Device)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := tpm.ChangePIN(ctx, t, st.URI.Path, old, next); err != nil {
		return err
	}
	fmt.Fprintln(log, "signet: the TPM PIN is changed")
	return nil
}

// readOldNew reads the current secret, then the new one twice. On error
// nothing is left to wipe.
func readOldNew(ctx context.Context, con Console, prompt, what string) (old, next []byte, err error) {
	if old, err = con.ReadSecret(ctx, prompt); err != nil {
		return nil, nil, err
	}
	if next, err = con.ReadNewSecret(ctx, what); err != nil {
		hsm.Wipe(old)
		return nil, nil, err
	}
	return old, next, nil
}

// changeSoftPassphrase changes the passphrase of a soft key. It holds the
// state dir lock throughout, so no daemon has the key open and no other
// signet process rewrites the key file meanwhile.
func changeSoftPassphrase(ctx context.Context, st *statedir.KeyState, open func() (Console, error), log io.Writer) error {
	unlock, err := statedir.TakeLock(st.Dir)
	if err != nil {
		return cli.WithHint(err, "stop signet serve, then change the passphrase; the daemon keeps the key open")
	}
	defer unlock()
	con, err := open()
	if err != nil {
		return err
	}
	defer con.Close()
	old, next, err := readOldNew(ctx, con, "Current passphrase: ", "passphrase")
	if err != nil {
		return err
	}
	defer hsm.Wipe(old)
	defer hsm.Wipe(next)
	if err := soft.ChangePassphrase(ctx, st.URI.Path, old, next); err != nil {
		return err
	}
	fmt.Fprintf(log, "signet: the passphrase of soft key %s is changed\n", st.URI.Path)
	return nil
}

// ResetLockout resets the wrong-PIN counter of st's device: a TPM's with
// the lockout secret, a YubiKey's with the PUK (and a new PIN), asked on
// the console open gives. A soft key has no lockout.
func ResetLockout(ctx context.Context, st *statedir.KeyState, open func() (Console, error), log io.Writer) error {
	if st.URI.Scheme == "soft" {
		return errors.New("a soft key has no lockout: a wrong passphrase can be retried at once")
	}
	con, err := open()
	if err != nil {
		return err
	}
	defer con.Close()
	if st.URI.Scheme == "piv" {
		if err := piv.Unblock(ctx, st.URI.Serial, &Prompt{Con: con, Noun: "PIN"}); err != nil {
			return err
		}
		fmt.Fprintf(log, "signet: the PIN of YubiKey %d is unblocked and set to the new PIN\n", st.URI.Serial)
		return nil
	}
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
	fmt.Fprintf(log, "signet: the TPM's PIN counter is reset: %d of %d tries left\n", s.PINRetries, s.MaxTries)
	return nil
}
