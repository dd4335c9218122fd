package tpm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
)

type op int

const (
	opLoad op = iota
	opPolicy
	opUnseal
)

// tpmError is a TPM response code from one step of unsealing, before it is
// explained in signet's terms.
type tpmError struct {
	op  op
	err error
}

func (e *tpmError) Error() string { return e.err.Error() }
func (e *tpmError) Unwrap() error { return e.err }

// explain turns a TPM error from unsealing kf into one line that says what
// failed and what to do, wrapping the matching hsm sentinel.
func explain(t transport.TPM, path string, kf *KeyFile, err error) error {
	var te *tpmError
	if !errors.As(err, &te) {
		return fmt.Errorf("tpm key %s: %w", path, err)
	}
	switch {
	case errors.Is(te.err, tpm2.TPMRCLockout):
		return lockoutError(t)
	case errors.Is(te.err, tpm2.TPMRCAuthFail), errors.Is(te.err, tpm2.TPMRCBadAuth):
		tries := -1
		if st, err := ReadStatus(t); err == nil {
			tries = st.PINRetries
		}
		return fmt.Errorf("tpm key %s: %w", path, &hsm.WrongPINError{TriesLeft: tries})
	case errors.Is(te.err, tpm2.TPMRCPolicyFail), errors.Is(te.err, tpm2.TPMRCPCRChanged):
		return fmt.Errorf("tpm key %s: the boot state changed since this key was sealed (%s): %w; boot the system it was sealed on, or provision a new key", path, pcrText(kf.PCRs), hsm.ErrPolicy)
	case te.op == opLoad:
		return fmt.Errorf("tpm key %s: the TPM refused to load the sealed blob (%v): %w (or was sealed by another TPM); restore it from a backup or provision a new key", path, te.err, hsm.ErrCorruptBlob)
	}
	return fmt.Errorf("tpm key %s: %w", path, te.err)
}

func lockoutError(t transport.TPM) error {
	wait := "wait for the TPM's recovery time"
	if st, err := ReadStatus(t); err == nil {
		if st.Recovery > 0 {
			wait = "wait " + st.Recovery.String()
		} else {
			wait = "the TPM does not recover by itself"
		}
	}
	return fmt.Errorf("tpm: %w; %s, or run `signet key reset-lockout` with the offline lockout secret", hsm.ErrLockout, wait)
}

// pcrText names a PCR list the way errors and status show it: "PCR 7" or
// "PCRs 0, 7".
func pcrText(pcrs []int) string {
	var s []string
	for _, p := range pcrs {
		s = append(s, strconv.Itoa(p))
	}
	if len(s) == 1 {
		return "PCR " + s[0]
	}
	return "PCRs " + strings.Join(s, ", ")
}

// policyText describes what unseals a key.
func policyText(pcrs []int) string {
	var s []string
	for _, p := range pcrs {
		s = append(s, strconv.Itoa(p))
	}
	return "PCR sha256:" + strings.Join(s, ",") + " and PIN"
}

func seconds(v uint32) time.Duration { return time.Duration(v) * time.Second }
