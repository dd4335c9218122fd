package main

// The key device's state, for `signet key show` and `signet status`. While
// signet serve runs it holds the device (swtpm serves one connection at a
// time), so the daemon is asked first; only without one is the device
// opened here, and then for at most deviceReadTimeout.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// deviceReadTimeout bounds reading the key device's state without a
// daemon: a TPM or card answers in well under a second, and a device that
// does not answer in this time is as good as absent for a read verb.
const deviceReadTimeout = 10 * time.Second

// deviceJSON is the key device's state in the --json outputs.
type deviceJSON struct {
	Backend         string `json:"backend,omitempty"` // in status; key show has it at the top
	Present         bool   `json:"present"`
	PINTriesLeft    *int   `json:"pin_tries_left,omitempty"` // left out when unknown or unlimited
	MaxTries        *int   `json:"max_tries,omitempty"`      // left out when unknown
	Lockout         bool   `json:"lockout"`
	RecoverySeconds int64  `json:"recovery_seconds,omitempty"`
	LockoutAuthSet  *bool  `json:"lockout_auth_set,omitempty"` // TPM only
	Policy          string `json:"policy,omitempty"`
	Error           string `json:"error,omitempty"` // status only: why the daemon could not read it
}

// knownCount is n, or nil when n is negative (unknown).
func knownCount(n int) *int {
	if n < 0 {
		return nil
	}
	return &n
}

// deviceFromDaemon converts the daemon's reading.
func deviceFromDaemon(h api.HSMStatus) deviceJSON {
	d := deviceJSON{Backend: h.Backend, Present: h.Present, PINTriesLeft: knownCount(h.PINRetries),
		Lockout: h.Lockout, RecoverySeconds: h.RecoverySeconds, LockoutAuthSet: h.LockoutAuthSet, Policy: h.Policy, Error: h.Error}
	if h.MaxTries > 0 { // 0: a daemon that does not report it
		d.MaxTries = &h.MaxTries
	}
	if h.Error != "" || !h.Present {
		d.PINTriesLeft = nil
	}
	return d
}

// deviceFromStatus converts a reading made here.
func deviceFromStatus(backend string, s hsm.Status) deviceJSON {
	d := deviceJSON{Present: s.Present, PINTriesLeft: knownCount(s.PINRetries), MaxTries: knownCount(s.MaxTries),
		Lockout: s.Lockout, RecoverySeconds: int64(s.Recovery / time.Second), Policy: s.Policy}
	if backend == "tpm" && s.Present {
		d.LockoutAuthSet = &s.LockoutAuthSet
	}
	return d
}

// deviceReading is the key device's state and who read it.
type deviceReading struct {
	device    deviceJSON
	daemonPID int // the daemon that read it; 0 when read here
}

// readKeyDevice reads the state of st's key device: through the daemon
// that serves st.Dir when one runs, else from the device, within
// deviceReadTimeout. A device that could not be read, or is not present,
// is an error: a read verb never reports what it did not learn.
func readKeyDevice(ctx context.Context, log io.Writer, st *statedir.KeyState) (deviceReading, error) {
	info, rec, err := signer.StateDirStatus(ctx, st.Dir)
	switch {
	case err == nil:
		return daemonReading(info, rec, st)
	case errors.Is(err, statedir.ErrNoDaemon) && rec.Socket == "":
		// No record: no daemon has served this state dir.
	default:
		// A stale or unreadable record: say so, then read the device.
		fmt.Fprintf(log, "signet: note: %s\n", oneLine(err.Error()))
	}
	ctx, cancel := context.WithTimeout(ctx, deviceReadTimeout)
	defer cancel()
	s, err := keyStatus(ctx, st)
	if err != nil {
		return deviceReading{}, withHint(fmt.Errorf("cannot read the key device: %w", err),
			"check that it is connected; while 'signet serve' runs on this state dir, key show asks the daemon instead")
	}
	if !s.Present {
		return deviceReading{}, withHint(fmt.Errorf("the key device of %s is not present", st.URI), "connect it and try again")
	}
	return deviceReading{device: deviceFromStatus(st.URI.Scheme, s)}, nil
}

// daemonReading checks and converts what the daemon serving st.Dir said.
func daemonReading(info *api.StatusInfo, rec statedir.ServeRecordDoc, st *statedir.KeyState) (deviceReading, error) {
	who := fmt.Sprintf("signet serve (pid %d)", rec.PID)
	if info.BoxKey != tka.FormatTLPub(st.Pub) {
		return deviceReading{}, fmt.Errorf("%s on %s holds the key %s, not the %s in %s", who, st.Dir, info.BoxKey, tka.FormatTLPub(st.Pub), statedir.KeyPub)
	}
	switch h := info.HSM; {
	case h == nil:
		return deviceReading{}, fmt.Errorf("%s did not report its key device; restart it with this signet", who)
	case h.Error != "":
		return deviceReading{}, withHint(fmt.Errorf("%s cannot read its key device: %s", who, h.Error), "check the device; the daemon reads it again at the next request")
	case !h.Present:
		return deviceReading{}, withHint(fmt.Errorf("%s reports that its key device is not present", who), "connect it; the daemon reconnects on its own")
	}
	d := deviceFromDaemon(*info.HSM)
	d.Backend = ""
	return deviceReading{device: d, daemonPID: rec.PID}, nil
}

// keyStatus reads the device state without a PIN. A key that does not
// match key.pub is an error.
func keyStatus(ctx context.Context, st *statedir.KeyState) (hsm.Status, error) {
	if st.URI.Scheme == "soft" {
		if _, err := os.Stat(st.URI.Path); err != nil {
			return hsm.Status{}, fmt.Errorf("soft key file: %w", err)
		}
		return hsm.Status{Present: true, PINRetries: -1, MaxTries: -1, Policy: "passphrase (software key, insecure)"}, nil
	}
	k, err := openNoPIN(ctx, st, nil)
	if err != nil {
		return hsm.Status{}, err
	}
	defer k.Close()
	return k.Status(ctx)
}
