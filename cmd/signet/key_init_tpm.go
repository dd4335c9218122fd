package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal"
)

// initTPM seals a new key to the TPM and shows the new lockout secret once.
func initTPM(ctx context.Context, con *terminal.Line, dir string, args *keyInitArgs) (*initResult, error) {
	t, err := tpm.OpenDevice(args.device)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	opts := tpm.ProvisionOptions{
		Path:         statedir.Path(dir, statedir.TPMKey),
		PCRs:         args.pcrList,
		MaxTries:     args.maxTries,
		RecoveryTime: args.recoveryTime,
	}
	st, err := tpm.ReadStatus(t)
	if err != nil {
		return nil, fmt.Errorf("reading the TPM's state: %w", err)
	}
	if st.LockoutAuthSet {
		con.Printf("This TPM already has a lockout secret (from an earlier 'signet key init').\n")
		if opts.CurrentLockoutSecret, err = readLockoutSecret(ctx, con); err != nil {
			return nil, err
		}
		defer hsm.Wipe(opts.CurrentLockoutSecret)
	}
	if opts.PIN, err = con.ReadNewSecret(ctx, "TPM PIN"); err != nil {
		return nil, err
	}
	defer hsm.Wipe(opts.PIN)
	p, err := tpm.Provision(ctx, t, opts)
	if err != nil {
		return nil, err
	}
	if p.LockoutSecret != nil {
		con.ShowOnce("TPM lockout secret: it resets the PIN counter after a lockout ('signet key reset-lockout')", p.LockoutSecret)
		hsm.Wipe(p.LockoutSecret)
	}
	u := hsm.URI{Scheme: "tpm", Path: opts.Path, Device: args.device}
	return &initResult{uri: u, pub: p.Key.PublicKey, att: tpmAttestation(ctx, t, opts.Path)}, nil
}

// tpmAttestation attests a key just written; a failure becomes the summary,
// since the key exists either way and 'signet key attest' can retry.
func tpmAttestation(ctx context.Context, t transport.TPM, path string) hsm.Attestation {
	k, err := tpm.NewKey(ctx, t, path, nil)
	if err == nil {
		defer k.Close()
		var a hsm.Attestation
		if a, err = k.Attest(ctx); err == nil {
			return a
		}
	}
	return hsm.Attestation{Backend: "tpm", Hardware: true, Summary: "attestation failed: " + err.Error()}
}

// readLockoutSecret reads a TPM lockout secret typed as hex (spaces
// allowed) with echo off.
func readLockoutSecret(ctx context.Context, con *terminal.Line) ([]byte, error) {
	line, err := con.ReadSecret(ctx, "TPM lockout secret (hex, spaces allowed): ")
	if err != nil {
		return nil, err
	}
	defer hsm.Wipe(line)
	return parseHexSecret(line, "lockout secret")
}

// parseHexSecret decodes hex digits, skipping spaces and dashes, without
// copying them into strings. Its errors never show the input.
func parseHexSecret(line []byte, what string) ([]byte, error) {
	digits := make([]byte, 0, len(line))
	defer func() { hsm.Wipe(digits) }()
	for _, c := range line {
		if !strings.ContainsRune(" -\t", rune(c)) {
			digits = append(digits, c)
		}
	}
	out := make([]byte, len(digits)/2)
	if _, err := hex.Decode(out, digits); err != nil || len(digits)%2 != 0 || len(out) == 0 {
		hsm.Wipe(out)
		return nil, fmt.Errorf("the %s typed is not hex digits; type it as it was shown, e.g. 0a1b 2c3d …", what)
	}
	return out, nil
}
