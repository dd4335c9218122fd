package tpm

import (
	"context"
	"errors"
	"fmt"
	"time"

	legacy "github.com/google/go-tpm/legacy/tpm2"
	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/google/go-tpm/tpmutil"
	"github.com/signetbox/signet/hsm"
)

// rwAdapter lets legacy/tpm2 (which has DictionaryAttackParameters and
// DictionaryAttackLockReset, unlike go-tpm v0.9.8's tpm2) use a transport.
//
// Why not transport.ToReadWriter: its Read returns io.EOF together with the
// last bytes, which tpmutil.RunCommandRaw treats as a failure.
type rwAdapter struct {
	t   transport.TPM
	rsp []byte
}

func (a *rwAdapter) Write(p []byte) (int, error) {
	rsp, err := a.t.Send(p)
	if err != nil {
		return 0, err
	}
	a.rsp = rsp
	return len(p), nil
}

func (a *rwAdapter) Read(p []byte) (int, error) {
	n := copy(p, a.rsp)
	a.rsp = a.rsp[n:]
	return n, nil
}

// lockoutAuth is a password session for the lockout hierarchy.
//
// NOTE: legacy/tpm2 sends it in clear on the TPM bus. It is only used for
// DictionaryAttackParameters and DictionaryAttackLockReset; setting the
// secret (HierarchyChangeAuth) goes over an encrypted session.
func lockoutAuth(secret []byte) legacy.AuthCommand {
	return legacy.AuthCommand{Session: tpmutil.Handle(tpm2.TPMRSPW), Attributes: legacy.AttrContinueSession, Auth: secret}
}

// setDAParameters sets the dictionary-attack parameters: maxTries wrong
// PINs lock the TPM, one failure is forgotten every recovery, and a wrong
// lockout secret blocks the next try for lockoutRecovery.
func setDAParameters(t transport.TPM, secret []byte, maxTries uint32, recovery, lockoutRecovery time.Duration) error {
	err := legacy.DictionaryAttackParameters(&rwAdapter{t: t}, lockoutAuth(secret),
		maxTries, uint32(recovery/time.Second), uint32(lockoutRecovery/time.Second))
	if err != nil {
		return lockoutAuthError("setting the TPM's dictionary-attack parameters", err)
	}
	return nil
}

// ResetLockout clears the TPM's dictionary-attack counter with the offline
// lockout secret that [Provision] returned, so the PIN can be tried again.
// A wrong secret is itself locked out for the lockout recovery time.
func ResetLockout(ctx context.Context, t transport.TPM, lockoutSecret []byte) error {
	if ctx.Err() != nil {
		return hsm.Canceled(ctx)
	}
	if err := legacy.DictionaryAttackLockReset(&rwAdapter{t: t}, lockoutAuth(lockoutSecret)); err != nil {
		return lockoutAuthError("resetting the TPM lockout", err)
	}
	return nil
}

// lockoutAuthError explains a failed lockout-hierarchy command without
// echoing the secret (legacy errors carry only response codes).
func lockoutAuthError(what string, err error) error {
	var se legacy.SessionError
	var we legacy.Warning
	switch {
	case errors.As(err, &se) && (se.Code == legacy.RCAuthFail || se.Code == legacy.RCBadAuth):
		return fmt.Errorf("%s: the lockout secret is wrong: %w; check it against the offline copy (the TPM now blocks lockout attempts for its lockout recovery time)", what, hsm.ErrWrongPIN)
	case errors.As(err, &we) && we.Code == legacy.RCLockout:
		return fmt.Errorf("%s: the lockout hierarchy is itself locked out after a wrong lockout secret: %w; wait for the lockout recovery time, then try again", what, hsm.ErrLockout)
	}
	return fmt.Errorf("%s: %w", what, err)
}
