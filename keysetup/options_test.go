package keysetup

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/piv"
	"github.com/signetbox/signet/hsm/tpm"
)

// defaults are the flags' defaults, as 'signet key init' sets them.
func defaults(backend string) Options {
	return Options{Backend: backend, Device: hsm.DefaultTPMDevice, PCRs: "7", MaxTries: tpm.DefaultMaxTries, RecoveryTime: tpm.DefaultRecoveryTime,
		Slot: "9c", PINPolicy: "once", TouchPolicy: "always", MgmtKey: "stored"}
}

func TestValidate(t *testing.T) {
	none := func(string) bool { return false }
	for _, tt := range []struct {
		name    string
		edit    func(*Options)
		changed []string
		want    string
	}{
		{"tpm", nil, nil, ""},
		{"tpm with its flags", func(o *Options) { o.PCRs = "0, 2,7" }, []string{"pcrs", "device"}, ""},
		{"piv", func(o *Options) { o.Backend = "piv" }, []string{"slot", "serial"}, ""},
		{"soft", func(o *Options) { o.Backend = "soft" }, nil, ""},
		{"no --hsm", func(o *Options) { o.Backend = "" }, nil, "--hsm is required: tpm, piv or soft"},
		{"unknown --hsm", func(o *Options) { o.Backend = "pkcs11" }, nil, `--hsm "pkcs11" is not one of tpm, piv, soft`},
		{"a piv flag for tpm", nil, []string{"touch-policy"}, "--touch-policy applies only to --hsm piv"},
		{"a tpm flag for soft", func(o *Options) { o.Backend = "soft" }, []string{"max-tries"}, "--max-tries applies only to --hsm tpm"},
		{"bad PCR", func(o *Options) { o.PCRs = "7,24" }, nil, `--pcrs "7,24": "24" is not a PCR number 0-23`},
		{"no tries", func(o *Options) { o.MaxTries = 0 }, nil, "--max-tries 0 is out of range; use 1-1000"},
		{"too many tries", func(o *Options) { o.MaxTries = 1001 }, nil, "--max-tries 1001 is out of range; use 1-1000"},
		{"part of a second", func(o *Options) { o.RecoveryTime = 1500 * time.Millisecond }, nil, "--recovery-time 1.5s is not a whole number of seconds of at least 1s"},
		{"no recovery", func(o *Options) { o.RecoveryTime = 0 }, nil, "--recovery-time 0s is not a whole number of seconds of at least 1s"},
		{"bad device", func(o *Options) { o.Device = "ftp://x" }, nil, "--device: "},
		{"bad slot", func(o *Options) { o.Backend, o.Slot = "piv", "zz" }, nil, "--slot: "},
		{"bad PIN policy", func(o *Options) { o.Backend, o.PINPolicy = "piv", "never" }, nil, `--pin-policy "never" is not once or always`},
		{"bad touch policy", func(o *Options) { o.Backend, o.TouchPolicy = "piv", "sometimes" }, nil, `--touch-policy "sometimes" is not always, cached or never`},
		{"bad mgmt key", func(o *Options) { o.Backend, o.MgmtKey = "piv", "lost" }, nil, `--mgmt-key "lost" is not stored or print`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := defaults("tpm")
			if tt.edit != nil {
				tt.edit(&o)
			}
			changed := none
			if tt.changed != nil {
				changed = func(f string) bool { return slices.Contains(tt.changed, f) }
			}
			err := o.Validate(changed)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParsePCRs(t *testing.T) {
	if got, err := ParsePCRs(" 7,0, 2"); err != nil || !slices.Equal(got, []int{0, 2, 7}) {
		t.Errorf("ParsePCRs = %v, %v", got, err)
	}
	for in, want := range map[string]string{
		"":     `--pcrs "": "" is not a PCR number 0-23`,
		"-1":   `--pcrs "-1": "-1" is not a PCR number 0-23`,
		"7,x":  `--pcrs "7,x": "x" is not a PCR number 0-23`,
		"7, 7": `--pcrs "7, 7" names PCR 7 twice`,
	} {
		if _, err := ParsePCRs(in); err == nil || err.Error() != want {
			t.Errorf("ParsePCRs(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestParseHexSecret(t *testing.T) {
	got, err := ParseHexSecret([]byte("0a1B 2c-3d\t4e"), "lockout secret")
	if err != nil || string(got) != "\x0a\x1b\x2c\x3d\x4e" {
		t.Errorf("ParseHexSecret = %x, %v", got, err)
	}
	for _, in := range []string{"", " - ", "0a1", "0a1g", "secret words"} {
		_, err := ParseHexSecret([]byte(in), "lockout secret")
		want := "the lockout secret typed is not hex digits; type it as it was shown, e.g. 0a1b 2c3d …"
		if err == nil || err.Error() != want {
			t.Errorf("ParseHexSecret(%q) = %v, want %q", in, err, want)
		}
	}
}

// TestPrompt checks which question each of a backend's whys asks.
func TestPrompt(t *testing.T) {
	for _, tt := range []struct{ noun, why, asked string }{
		{"PIN", piv.WhyNewPIN, "new PIN (6 to 8 characters)"},
		{"PIN", piv.WhyNewPUK, "new PUK (6 to 8 characters)"},
		{"passphrase", "set the passphrase of the new key", "new passphrase"},
		{"PIN", piv.WhyCurrentPIN, "Type the current PIN (123456 on a new YubiKey): "},
		{"PIN", piv.WhyPUK, "Type the PUK: "},
		{"PIN", "sign with YubiKey 1", "PIN to sign with YubiKey 1: "},
	} {
		c := newConsole("typed")
		p := &Prompt{Con: c, Noun: tt.noun}
		got, err := p.PIN(t.Context(), tt.why)
		if err != nil || string(got) != "typed" || len(c.asked) != 1 || c.asked[0] != tt.asked {
			t.Errorf("PIN(%q): %q, %v, asked %q, want %q", tt.why, got, err, c.asked, tt.asked)
		}
	}
	c := newConsole()
	(&Prompt{Con: c}).Touch("touch the YubiKey")
	if c.printed.String() != "touch the YubiKey\n" {
		t.Errorf("Touch printed %q", c.printed.String())
	}
}
