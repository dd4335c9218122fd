package main

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/google/go-tpm/tpm2"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
	"github.com/spf13/cobra"
)

// keyAttestArgs holds the flags of "signet key attest".
type keyAttestArgs struct {
	state string // the global --state
	json  int    // --json schema version; 0 prints text
	roots string // piv: PEM file of attestation roots
}

// newKeyAttestCmd builds "signet key attest".
func newKeyAttestCmd() *cobra.Command {
	args := &keyAttestArgs{}
	cmd := &cobra.Command{
		Use:   "attest [flags]",
		Short: "Print and verify what the device proves about the key",
		Long: `Ask the device for a fresh attestation of the key, verify it, and print it.

piv: the slot's attestation certificate must chain through the card's
device certificate to Yubico's PIV root (or to the CAs in --roots), name
this card's serial and hold this public key. tpm: the key file must be
sealed under this TPM's storage root key (SRK name), its sealed object
must be fixedTPM and fixedParent and released only by its policy (PCRs
and PIN); the TPM's vendor strings are shown. soft: there is nothing to
attest. A key that does not verify is an error (exit status 1). No PIN is
needed.

attest opens the device itself and gives up after 10 seconds: a device
that serves one process at a time (swtpm, a YubiKey) cannot be attested
while signet serve holds it, and the error then names the daemon.
--json prints one JSON object (docs/json.md); --json=1 pins schema 1.`,
		Example: `  $ signet key attest
  $ signet key attest --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args.state = stateDirOf(cmd)
			if err := checkJSONVersion(args.json, keyAttestSchema); err != nil {
				return err
			}
			return runKeyAttest(cmd.Context(), cmd.OutOrStdout(), args)
		},
	}
	addJSONFlag(cmd, &args.json, keyAttestSchema)
	cmd.Flags().StringVar(&args.roots, "roots", "", "piv: PEM `file` of attestation roots (default: Yubico's)")
	return cmd
}

// keyAttestSchema is the schema version of "signet key attest --json".
const keyAttestSchema = 1

// attestReport is the output of "signet key attest".
type attestReport struct {
	SchemaVersion int               `json:"schema_version"`
	PublicKey     string            `json:"public_key"`
	Backend       string            `json:"backend"`
	URI           string            `json:"uri"`
	Verified      bool              `json:"verified"`
	Hardware      bool              `json:"hardware"`
	Summary       string            `json:"summary"`
	Facts         map[string]string `json:"facts"`    // {} when none
	Evidence      []string          `json:"evidence"` // hex, as the device gave it
}

func runKeyAttest(ctx context.Context, w io.Writer, args *keyAttestArgs) error {
	st, err := loadKeyState(args.state)
	if err != nil {
		return err
	}
	a, err := attestKey(ctx, st, args.roots)
	if err != nil && errors.Is(err, hsm.ErrNoDevice) {
		// A TPM behind swtpm or a card serves one process at a time.
		if _, rec, derr := signer.StateDirStatus(ctx, st.Dir); derr == nil {
			return withHint(err, fmt.Sprintf("signet serve (pid %d) holds the key device; stop it to attest the key ('signet key show' asks the daemon for the device's state)", rec.PID))
		}
	}
	if err != nil {
		return err
	}
	r := &attestReport{SchemaVersion: keyAttestSchema, PublicKey: tka.FormatTLPub(st.Pub), Backend: a.Backend, URI: st.URI.String(),
		Verified: a.Hardware, Hardware: a.Hardware, Summary: a.Summary, Facts: a.Facts, Evidence: []string{}}
	if r.Facts == nil {
		r.Facts = map[string]string{}
	}
	for _, e := range a.Evidence {
		r.Evidence = append(r.Evidence, hex.EncodeToString(e))
	}
	if args.json != 0 {
		return writeJSON(w, r)
	}
	fmt.Fprintf(w, "%s\n", r.PublicKey)
	line := func(k, v string) { fmt.Fprintf(w, "%-13s %s\n", k+":", v) }
	line("backend", r.Backend)
	line("uri", r.URI)
	line("verified", map[bool]string{true: "yes", false: "no (software key: nothing to verify)"}[r.Verified])
	line("summary", r.Summary)
	keys := make([]string, 0, len(r.Facts))
	for k := range r.Facts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		line(k, r.Facts[k])
	}
	return nil
}

// attestKey gets a fresh attestation from the device and verifies it.
func attestKey(ctx context.Context, st *statedir.KeyState, rootsFile string) (hsm.Attestation, error) {
	if st.URI.Scheme == "soft" {
		if rootsFile != "" {
			return hsm.Attestation{}, usageErrorf("--roots applies only to piv keys")
		}
		return softAttestation(st.URI.Path), nil
	}
	roots, err := loadRoots(rootsFile)
	if err != nil {
		return hsm.Attestation{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, deviceReadTimeout)
	defer cancel()
	k, err := openNoPIN(ctx, st, roots)
	if err != nil {
		return hsm.Attestation{}, err
	}
	defer k.Close()
	a, err := k.Attest(ctx)
	if err != nil {
		return hsm.Attestation{}, err
	}
	if st.URI.Scheme == "tpm" {
		err = checkTPMAttestation(a, st.Att)
	}
	return a, err
}

// checkTPMAttestation checks the sealed object's public area: it can never
// leave this TPM (fixedTPM, fixedParent) and only its policy releases it
// (no userWithAuth, a non-empty policy digest). It also checks that the SRK
// is the one recorded at init.
func checkTPMAttestation(a hsm.Attestation, recorded *statedir.AttestationDoc) error {
	if len(a.Evidence) == 0 {
		return errors.New("tpm attestation has no public area to check")
	}
	pub, err := tpm2.Unmarshal[tpm2.TPM2BPublic](a.Evidence[0])
	if err != nil {
		return fmt.Errorf("tpm attestation: parsing the sealed object's public area: %w", err)
	}
	p, err := pub.Contents()
	if err != nil {
		return fmt.Errorf("tpm attestation: parsing the sealed object's public area: %w", err)
	}
	attr := p.ObjectAttributes
	if !attr.FixedTPM || !attr.FixedParent || attr.UserWithAuth || len(p.AuthPolicy.Buffer) == 0 {
		return fmt.Errorf("tpm attestation: the sealed object is not bound to this TPM and its policy (fixedTPM=%t fixedParent=%t userWithAuth=%t policy=%d bytes); provision a new key",
			attr.FixedTPM, attr.FixedParent, attr.UserWithAuth, len(p.AuthPolicy.Buffer))
	}
	if recorded != nil && recorded.Facts["srk-name"] != "" {
		want, _ := hex.DecodeString(recorded.Facts["srk-name"])
		got, _ := hex.DecodeString(a.Facts["srk-name"])
		if subtle.ConstantTimeCompare(want, got) != 1 {
			return fmt.Errorf("tpm attestation: the SRK name %s is not the one recorded at init (%s)", a.Facts["srk-name"], recorded.Facts["srk-name"])
		}
	}
	return nil
}
