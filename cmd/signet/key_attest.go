package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"slices"

	"github.com/signetbox/signet/keydevice"
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
	a, err := keydevice.Attest(ctx, st, args.roots)
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
