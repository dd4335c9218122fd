package keydevice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// ReadTimeout bounds reading the key device's state without a daemon: a
// TPM or card answers in well under a second, and a device that does not
// answer in this time is as good as absent for a read verb.
const ReadTimeout = 10 * time.Second

// State is the key device's state in the --json outputs of 'signet key
// show' and 'signet status' (docs/json.md).
type State struct {
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

// FromDaemon converts the state a daemon reported. Tries are left out
// when the daemon could not read the device or it is not present.
func FromDaemon(h api.HSMStatus) State {
	d := State{Backend: h.Backend, Present: h.Present, PINTriesLeft: knownCount(h.PINRetries),
		Lockout: h.Lockout, RecoverySeconds: h.RecoverySeconds, LockoutAuthSet: h.LockoutAuthSet, Policy: h.Policy, Error: h.Error}
	if h.MaxTries > 0 { // 0: a daemon that does not report it
		d.MaxTries = &h.MaxTries
	}
	if h.Error != "" || !h.Present {
		d.PINTriesLeft = nil
	}
	return d
}

// FromStatus converts a reading of a backend's device made in this
// process; the lockout authorization is known only for a present TPM.
func FromStatus(backend string, s hsm.Status) State {
	d := State{Present: s.Present, PINTriesLeft: knownCount(s.PINRetries), MaxTries: knownCount(s.MaxTries),
		Lockout: s.Lockout, RecoverySeconds: int64(s.Recovery / time.Second), Policy: s.Policy}
	if backend == "tpm" && s.Present {
		d.LockoutAuthSet = &s.LockoutAuthSet
	}
	return d
}

// Reading is the key device's state and who read it.
type Reading struct {
	// State is what the device said; its Backend is empty.
	State State
	// DaemonPID is the daemon that read it; 0 when read in this process.
	DaemonPID int
}

// Read reads the state of st's key device: through the daemon that
// serves st.Dir when one runs, else from the device, within ReadTimeout.
// A stale or unreadable daemon record is noted on log. A device that
// could not be read, or is not present, is an error: a read verb never
// reports what it did not learn.
func Read(ctx context.Context, log io.Writer, st *statedir.KeyState) (Reading, error) {
	info, rec, err := signer.StateDirStatus(ctx, st.Dir)
	switch {
	case err == nil:
		return daemonReading(info, rec, st)
	case errors.Is(err, statedir.ErrNoDaemon) && rec.Socket == "":
		// No record: no daemon has served this state dir.
	default:
		// A stale or unreadable record: say so, then read the device.
		fmt.Fprintf(log, "signet: note: %s\n", cli.OneLine(err.Error()))
	}
	ctx, cancel := context.WithTimeout(ctx, ReadTimeout)
	defer cancel()
	s, err := Status(ctx, st)
	if err != nil {
		return Reading{}, cli.WithHint(fmt.Errorf("cannot read the key device: %w", err),
			"check that it is connected; while 'signet serve' runs on this state dir, key show asks the daemon instead")
	}
	if !s.Present {
		return Reading{}, cli.WithHint(fmt.Errorf("the key device of %s is not present", st.URI), "connect it and try again")
	}
	return Reading{State: FromStatus(st.URI.Scheme, s)}, nil
}

// daemonReading checks and converts what the daemon serving st.Dir said.
func daemonReading(info *api.StatusInfo, rec statedir.ServeRecordDoc, st *statedir.KeyState) (Reading, error) {
	who := fmt.Sprintf("signet serve (pid %d)", rec.PID)
	if info.BoxKey != tka.FormatTLPub(st.Pub) {
		return Reading{}, fmt.Errorf("%s on %s holds the key %s, not the %s in %s", who, st.Dir, info.BoxKey, tka.FormatTLPub(st.Pub), statedir.KeyPub)
	}
	switch h := info.HSM; {
	case h == nil:
		return Reading{}, fmt.Errorf("%s did not report its key device; restart it with this signet", who)
	case h.Error != "":
		return Reading{}, cli.WithHint(fmt.Errorf("%s cannot read its key device: %s", who, h.Error), "check the device; the daemon reads it again at the next request")
	case !h.Present:
		return Reading{}, cli.WithHint(fmt.Errorf("%s reports that its key device is not present", who), "connect it; the daemon reconnects on its own")
	}
	d := FromDaemon(*info.HSM)
	d.Backend = ""
	return Reading{State: d, DaemonPID: rec.PID}, nil
}
