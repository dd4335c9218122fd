package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/keydevice"
	"github.com/signetbox/signet/tka"
	"github.com/spf13/cobra"
)

// keyShowSchema is the schema version of "signet key show --json".
const keyShowSchema = 1

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

While signet serve runs on the state directory it holds the device, so
key show asks the daemon for the device's state; otherwise it reads the
device itself, for at most 10 seconds. Exit status 1 if the device's
state could not be read or the device is not present.

--json prints one JSON object (docs/json.md); --json=1 pins schema 1.`,
		Example: `  $ signet key show
  tlpub:6c8d…
  backend:      tpm
  read-from:    signet serve (pid 812)
  present:      yes
  pin-tries:    10 of 10 left`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			args.state = stateDirOf(cmd)
			if err := checkJSONVersion(args.json, keyShowSchema); err != nil {
				return err
			}
			return runKeyShow(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args)
		},
	}
	addJSONFlag(cmd, &args.json, keyShowSchema)
	return cmd
}

// keyReport is the output of "signet key show".
type keyReport struct {
	SchemaVersion int              `json:"schema_version"`
	PublicKey     string           `json:"public_key"`
	Backend       string           `json:"backend"`
	URI           string           `json:"uri"`
	Attestation   *attestationJSON `json:"attestation,omitempty"` // left out without attestation.json
	ReadFrom      string           `json:"read_from"`             // "daemon" or "device"
	DaemonPID     int              `json:"daemon_pid,omitempty"`
	Device        keydevice.State  `json:"device"`
}

// attestationJSON is what attestation.json says, in key show's output.
type attestationJSON struct {
	Summary  string `json:"summary"`
	Hardware bool   `json:"hardware"`
}

func runKeyShow(ctx context.Context, w, log io.Writer, args *keyShowArgs) error {
	st, err := loadKeyState(args.state)
	if err != nil {
		return err
	}
	r := &keyReport{SchemaVersion: keyShowSchema, PublicKey: tka.FormatTLPub(st.Pub), Backend: st.URI.Scheme, URI: st.URI.String()}
	if st.Att != nil {
		r.Attestation = &attestationJSON{Summary: st.Att.Summary, Hardware: st.Att.Hardware}
	}
	dev, err := keydevice.Read(ctx, log, st)
	if err != nil {
		if args.json == 0 {
			printKeyLines(w, r)
		}
		return err
	}
	r.Device, r.ReadFrom, r.DaemonPID = dev.State, "device", dev.DaemonPID
	if dev.DaemonPID != 0 {
		r.ReadFrom = "daemon"
	}
	if args.json != 0 {
		return writeJSON(w, r)
	}
	return printKeyReport(w, r)
}

// keyLine prints one "name: value" line of key show. Values come from
// files and devices: printed escaped, no escape sequence reaches the
// terminal.
func keyLine(w io.Writer, k, v string) { fmt.Fprintf(w, "%-13s %s\n", k+":", cli.Plain(v)) }

// printKeyLines prints what key show knows without the device.
func printKeyLines(w io.Writer, r *keyReport) {
	fmt.Fprintf(w, "%s\n", r.PublicKey)
	keyLine(w, "backend", r.Backend)
	keyLine(w, "uri", r.URI)
	summary := ""
	if r.Attestation != nil {
		summary = r.Attestation.Summary
	}
	keyLine(w, "attestation", orDash(summary))
}

func printKeyReport(w io.Writer, r *keyReport) error {
	printKeyLines(w, r)
	s := r.Device
	line := func(k, v string) { keyLine(w, k, v) }
	if r.DaemonPID != 0 {
		line("read-from", fmt.Sprintf("signet serve (pid %d)", r.DaemonPID))
	} else {
		line("read-from", "the key device")
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

func triesText(backend string, s keydevice.State) string {
	switch {
	case backend == "soft":
		return "unlimited (software key)"
	case s.PINTriesLeft == nil:
		return "unknown"
	case s.MaxTries != nil:
		return fmt.Sprintf("%d of %d left", *s.PINTriesLeft, *s.MaxTries)
	}
	return fmt.Sprintf("%d left", *s.PINTriesLeft)
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
