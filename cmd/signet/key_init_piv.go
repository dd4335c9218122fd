package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/terminal"
)

var (
	pinPolicies   = map[string]piv.PINPolicy{"once": piv.PINOnce, "always": piv.PINAlways}
	touchPolicies = map[string]piv.TouchPolicy{"always": piv.TouchAlways, "cached": piv.TouchCached, "never": piv.TouchNever}
)

func (a *keyInitArgs) validatePIV() error {
	if _, err := hsm.ParseURI("piv:slot=" + a.slot); err != nil {
		return fmt.Errorf("--slot: %w", err)
	}
	if _, ok := pinPolicies[a.pinPolicy]; !ok {
		return fmt.Errorf("--pin-policy %q is not once or always", a.pinPolicy)
	}
	if _, ok := touchPolicies[a.touchPolicy]; !ok {
		return fmt.Errorf("--touch-policy %q is not always, cached or never", a.touchPolicy)
	}
	if a.mgmtKey != "stored" && a.mgmtKey != "print" {
		return fmt.Errorf("--mgmt-key %q is not stored or print", a.mgmtKey)
	}
	return nil
}

// initPIV provisions the YubiKey and generates the key on the card.
func initPIV(ctx context.Context, con *terminal.Line, args *keyInitArgs, stderr io.Writer) (*initResult, error) {
	u, _ := hsm.ParseURI("piv:slot=" + args.slot) // checked by validatePIV
	roots, err := loadRoots(args.roots)
	if err != nil {
		return nil, err
	}
	p, err := piv.Provision(ctx, piv.ProvisionOptions{
		Serial: args.serial, Slot: u.Slot,
		PINPolicy: pinPolicies[args.pinPolicy], TouchPolicy: touchPolicies[args.touchPolicy],
		Prompt:              &ttyPrompt{con: con, noun: "PIN"},
		ReturnManagementKey: args.mgmtKey == "print",
		Overwrite:           args.replace,
	})
	if err != nil {
		return nil, err
	}
	if p.ManagementKey != nil {
		con.ShowOnce(fmt.Sprintf("PIV management key of YubiKey %d (AES-192)", p.Serial), p.ManagementKey)
		hsm.Wipe(p.ManagementKey)
	}
	u.Serial = p.Serial
	att, err := pivAttest(ctx, u, p.PublicKey, roots)
	if err != nil {
		fmt.Fprintf(stderr, "signet: warning: the new key's attestation does not verify: %s\n", oneLine(err.Error()))
		att = hsm.Attestation{Backend: "piv", Hardware: true, Summary: "attestation failed: " + err.Error()}
	}
	return &initResult{uri: u, pub: p.PublicKey, att: att}, nil
}

// pivAttest opens the key u names (no PIN needed) and verifies its
// attestation against roots (Yubico's when nil).
func pivAttest(ctx context.Context, u hsm.URI, pub ed25519.PublicKey, roots *x509.CertPool) (hsm.Attestation, error) {
	k, err := piv.Open(ctx, piv.Options{Serial: u.Serial, Slot: u.Slot, PublicKey: pub, Roots: roots})
	if err != nil {
		return hsm.Attestation{}, err
	}
	defer k.Close()
	return piv.HSMKey{Key: k}.Attest(ctx)
}

// loadRoots reads a PEM file of CA certificates; an empty path means
// Yubico's roots (nil).
func loadRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading --roots: %w", err)
	}
	pool := x509.NewCertPool()
	for n := 0; ; n++ {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			if n == 0 {
				return nil, fmt.Errorf("--roots %s holds no PEM certificate", path)
			}
			return pool, nil
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("--roots %s, certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(c)
	}
}
