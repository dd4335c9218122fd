package keysetup

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
)

// Options says where a new key is made and how. The fields are the flags
// of 'signet key init' (and 'signet ceremony init'), and the errors of
// Validate name those flags.
type Options struct {
	Backend      string        // tpm, piv or soft
	State        string        // the state directory
	Device       string        // tpm: the TPM device
	PCRs         string        // tpm: comma-separated PCR indices
	MaxTries     uint32        // tpm: wrong PINs before lockout
	RecoveryTime time.Duration // tpm: time to forget one wrong PIN
	Slot         string        // piv: slot in hex
	Serial       uint32        // piv: YubiKey serial; 0: the only one inserted
	PINPolicy    string        // piv: once or always
	TouchPolicy  string        // piv: always, cached or never
	MgmtKey      string        // piv: stored or print
	Roots        string        // piv: attestation roots (PEM file); empty: Yubico's
	Replace      bool          // replace an existing key after typing "replace"
}

// backendFlags lists the flags that only one backend takes.
var backendFlags = map[string][]string{
	"tpm": {"device", "pcrs", "max-tries", "recovery-time"},
	"piv": {"slot", "serial", "pin-policy", "touch-policy", "mgmt-key", "roots"},
}

var (
	pinPolicies   = map[string]piv.PINPolicy{"once": piv.PINOnce, "always": piv.PINAlways}
	touchPolicies = map[string]piv.TouchPolicy{"always": piv.TouchAlways, "cached": piv.TouchCached, "never": piv.TouchNever}
)

// Validate checks the options before anything is touched. changed says
// whether a flag was given: a flag of another backend than Backend is an
// error.
func (o *Options) Validate(changed func(flag string) bool) error {
	if _, ok := map[string]bool{"tpm": true, "piv": true, "soft": true}[o.Backend]; !ok {
		if o.Backend == "" {
			return fmt.Errorf("--hsm is required: tpm, piv or soft")
		}
		return fmt.Errorf("--hsm %q is not one of tpm, piv, soft", o.Backend)
	}
	for backend, names := range backendFlags {
		for _, n := range names {
			if backend != o.Backend && changed(n) {
				return fmt.Errorf("--%s applies only to --hsm %s", n, backend)
			}
		}
	}
	switch o.Backend {
	case "tpm":
		return o.validateTPM()
	case "piv":
		return o.validatePIV()
	}
	return nil
}

func (o *Options) validateTPM() error {
	if _, err := ParsePCRs(o.PCRs); err != nil {
		return err
	}
	if o.MaxTries == 0 || o.MaxTries > 1000 {
		return fmt.Errorf("--max-tries %d is out of range; use 1-1000", o.MaxTries)
	}
	if o.RecoveryTime < time.Second || o.RecoveryTime%time.Second != 0 {
		return fmt.Errorf("--recovery-time %s is not a whole number of seconds of at least 1s", o.RecoveryTime)
	}
	if _, err := hsm.ParseURI("tpm:/x?device=" + o.Device); err != nil {
		return fmt.Errorf("--device: %w", err)
	}
	return nil
}

func (o *Options) validatePIV() error {
	if _, err := hsm.ParseURI("piv:slot=" + o.Slot); err != nil {
		return fmt.Errorf("--slot: %w", err)
	}
	if _, ok := pinPolicies[o.PINPolicy]; !ok {
		return fmt.Errorf("--pin-policy %q is not once or always", o.PINPolicy)
	}
	if _, ok := touchPolicies[o.TouchPolicy]; !ok {
		return fmt.Errorf("--touch-policy %q is not always, cached or never", o.TouchPolicy)
	}
	if o.MgmtKey != "stored" && o.MgmtKey != "print" {
		return fmt.Errorf("--mgmt-key %q is not stored or print", o.MgmtKey)
	}
	return nil
}

// ParsePCRs parses "7" or "0,2,7" into sorted, distinct PCR indices 0-23.
func ParsePCRs(s string) ([]int, error) {
	var pcrs []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 || n > 23 {
			return nil, fmt.Errorf("--pcrs %q: %q is not a PCR number 0-23", s, f)
		}
		if slices.Contains(pcrs, n) {
			return nil, fmt.Errorf("--pcrs %q names PCR %d twice", s, n)
		}
		pcrs = append(pcrs, n)
	}
	slices.Sort(pcrs)
	return pcrs, nil
}
