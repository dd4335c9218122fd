package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/tka"
	"github.com/spf13/cobra"
)

// keyShowArgs holds the flags of "signet key show".
type keyShowArgs struct {
	state string // the global --state
	json  int    // --json schema version; 0 prints text
}

// newKeyShowCmd builds "signet key show".
func newKeyShowCmd() *cobra.Command {
	args := &keyShowArgs{}
	cmd := &cobra.Command{
		Use:   "show [flags]",
		Short: "Show the signing key, its backend and the device's state",
		Long: `Show the key recorded in the state directory: its tlpub: public key (the
form 'tailscale lock' takes), backend, URI and attestation summary, and the
device's state: present, PIN tries left, lockout and, for a TPM, whether
its lockout authorization is set. It needs no PIN and never counts as a
PIN attempt.

--json prints one JSON object; --json=1 pins schema 1 for scripts.`,
		Example: `  $ signet key show
  tlpub:6c8d…
  backend:      tpm
  present:      yes
  pin-tries:    10 of 10 left`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args.state = stateDirOf(cmd)
			if err := checkJSONVersion(args.json); err != nil {
				return err
			}
			return runKeyShow(cmd.Context(), cmd.OutOrStdout(), args)
		},
	}
	addJSONFlag(cmd, &args.json)
	return cmd
}

// keyReport is the output of "signet key show".
type keyReport struct {
	Schema      int        `json:"schema"`
	PublicKey   string     `json:"publicKey"`
	Backend     string     `json:"backend"`
	URI         string     `json:"uri"`
	Attestation string     `json:"attestation"`
	Hardware    bool       `json:"hardware"`
	Status      statusJSON `json:"status"`
}

// statusJSON is hsm.Status in the --json output.
type statusJSON struct {
	Present         bool   `json:"present"`
	PINTriesLeft    int    `json:"pinTriesLeft"` // -1: unknown or unlimited
	MaxTries        int    `json:"maxTries"`     // -1: unknown
	Lockout         bool   `json:"lockout"`
	RecoverySeconds int64  `json:"recoverySeconds,omitempty"`
	LockoutAuthSet  *bool  `json:"lockoutAuthSet,omitempty"` // TPM only
	Policy          string `json:"policy,omitempty"`
	Error           string `json:"error,omitempty"` // why the device did not answer
}

func runKeyShow(ctx context.Context, w io.Writer, args *keyShowArgs) error {
	st, err := loadKeyState(args.state)
	if err != nil {
		return err
	}
	r := &keyReport{Schema: attestationSchema, PublicKey: tka.FormatTLPub(st.pub), Backend: st.uri.Scheme, URI: st.uri.String()}
	if st.att != nil {
		r.Attestation, r.Hardware = st.att.Summary, st.att.Hardware
	}
	status, err := keyStatus(ctx, st)
	r.Status = toStatusJSON(st.uri.Scheme, status)
	if err != nil {
		r.Status.Present, r.Status.Error = false, foldSpace(err.Error()) // escaped when printed
	}
	if args.json != 0 {
		return writeJSON(w, r)
	}
	return printKeyReport(w, r)
}

// keyStatus reads the device state without a PIN. A key that does not
// match key.pub is an error.
func keyStatus(ctx context.Context, st *keyState) (hsm.Status, error) {
	unknown := hsm.Status{PINRetries: -1, MaxTries: -1}
	if st.uri.Scheme == "soft" {
		if _, err := os.Stat(st.uri.Path); err != nil {
			return unknown, fmt.Errorf("soft key file: %w", err)
		}
		return hsm.Status{Present: true, PINRetries: -1, MaxTries: -1, Policy: "passphrase (software key, insecure)"}, nil
	}
	k, err := openNoPIN(ctx, st, nil)
	if err != nil {
		return unknown, err
	}
	defer k.Close()
	return k.Status(ctx)
}

// openNoPIN opens a tpm or piv key without asking for a PIN (status and
// attestation need none) and checks it against key.pub. roots verify PIV
// attestations (nil: Yubico's).
func openNoPIN(ctx context.Context, st *keyState, roots *x509.CertPool) (hsm.Key, error) {
	var k hsm.Key
	switch st.uri.Scheme {
	case "tpm":
		tk, err := tpm.Open(ctx, st.uri.Path, st.uri.Device, nil)
		if err != nil {
			return nil, err
		}
		k = tk
	case "piv":
		pk, err := piv.Open(ctx, piv.Options{Serial: st.uri.Serial, Slot: st.uri.Slot, PublicKey: st.pub, Roots: roots})
		if err != nil {
			return nil, err
		}
		k = piv.HSMKey{Key: pk}
	default:
		return nil, fmt.Errorf("a %s key cannot be opened without its passphrase", st.uri.Scheme)
	}
	if !k.PublicKey().Equal(st.pub) {
		k.Close()
		return nil, fmt.Errorf("the key %s is %s, not the %s in %s; the state directory belongs to another key",
			st.uri, tka.FormatTLPub(k.PublicKey()), tka.FormatTLPub(st.pub), pubFile)
	}
	return k, nil
}

func toStatusJSON(scheme string, s hsm.Status) statusJSON {
	j := statusJSON{Present: s.Present, PINTriesLeft: s.PINRetries, MaxTries: s.MaxTries,
		Lockout: s.Lockout, RecoverySeconds: int64(s.Recovery / time.Second), Policy: s.Policy}
	if scheme == "tpm" && s.Present {
		j.LockoutAuthSet = &s.LockoutAuthSet
	}
	return j
}

func printKeyReport(w io.Writer, r *keyReport) error {
	s := r.Status
	fmt.Fprintf(w, "%s\n", r.PublicKey)
	// The URI, the attestation summary and device errors come from files
	// and devices: printed escaped, no escape sequence reaches the terminal.
	line := func(k, v string) { fmt.Fprintf(w, "%-13s %s\n", k+":", plain(v)) }
	line("backend", r.Backend)
	line("uri", r.URI)
	line("attestation", orDash(r.Attestation))
	if !s.Present {
		line("present", "no ("+orDash(s.Error)+")")
		return nil
	}
	line("present", "yes")
	line("pin-tries", triesText(r.Backend, s))
	line("lockout", yesNo(s.Lockout))
	if s.LockoutAuthSet != nil {
		line("lockout-auth", map[bool]string{true: "set", false: "NOT SET (anyone can reset the PIN counter)"}[*s.LockoutAuthSet])
	}
	if s.RecoverySeconds > 0 {
		line("recovery", (time.Duration(s.RecoverySeconds)*time.Second).String()+" per wrong PIN")
	}
	line("policy", orDash(s.Policy))
	return nil
}

func triesText(backend string, s statusJSON) string {
	switch {
	case backend == "soft":
		return "unlimited (software key)"
	case s.PINTriesLeft < 0:
		return "unknown"
	case s.MaxTries > 0:
		return fmt.Sprintf("%d of %d left", s.PINTriesLeft, s.MaxTries)
	}
	return fmt.Sprintf("%d left", s.PINTriesLeft)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeJSON writes v as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
