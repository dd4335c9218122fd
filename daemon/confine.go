package daemon

// The daemon confines itself before it opens anything (issue 7). The
// first run builds the Landlock policy from the key URI and the options
// and executes the program again inside the domain (internal/confine
// explains why a re-exec); the second run checks that it really is
// confined, locks its memory and goes on to open the state directory,
// console, key and socket, which must all be in the policy.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/confine"
	"github.com/signetbox/signet/statedir"
)

// pcscdDir holds pcscd's client socket (pcscd.comm) on Debian.
const pcscdDir = "/run/pcscd"

// testOnlyAfterConfine, when set by a test, runs in the confined run
// right after the confinement was checked.
var testOnlyAfterConfine func(o Options)

// SetAfterConfineForTests makes the confined run call f right after it
// checked its confinement, so a test can probe what the daemon can reach.
func SetAfterConfineForTests(f func(o Options)) { testOnlyAfterConfine = f }

// Confine confines the daemon. In the first run it does not return on
// success: the process goes on as the confined second run, which returns
// nil. On a kernel without Landlock it fails unless o.AllowUnconfined.
func Confine(log io.Writer, ks *statedir.KeyState, o Options) error {
	if abi, ok := confine.Marked(); ok {
		return confined(log, abi, o)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("confine: finding the signet binary to run again: %w", err)
	}
	p, err := ServePolicy(exe, ks, o)
	if err != nil {
		return err
	}
	return unconfined(log, confine.Exec(p, exe, os.Args, os.Environ()), o.AllowUnconfined)
}

// confined is the second run: it checks the confinement and locks the
// memory.
func confined(log io.Writer, abi int, o Options) error {
	if err := confine.Verify(); err != nil {
		return err
	}
	mem := "memory locked"
	if err := confine.LockMemory(); err != nil {
		fmt.Fprintf(log, "signet: note: %v\n", err)
		mem = "memory NOT locked"
	}
	fmt.Fprintf(log, "signet: confined: Landlock ABI %d, no_new_privs, %s\n", abi, mem)
	if testOnlyAfterConfine != nil {
		testOnlyAfterConfine(o)
	}
	return nil
}

// unconfined handles confine.Exec's failure: without Landlock the daemon
// runs only when allowed, and then locks its memory all the same.
func unconfined(log io.Writer, err error, allow bool) error {
	if !errors.Is(err, confine.ErrNoLandlock) {
		return err
	}
	if !allow {
		return cli.WithHint(err, "boot a kernel with Landlock (lsm=landlock,...), or accept running unconfined with --allow-unconfined")
	}
	fmt.Fprintf(log, "signet: warning: running UNCONFINED (--allow-unconfined): %v\n", err)
	if err := confine.LockMemory(); err != nil {
		fmt.Fprintf(log, "signet: note: %v\n", err)
	}
	return nil
}

// ServePolicy lists everything the daemon opens after confinement: the
// program exe and what it needs to start (confine.Base), the state
// directory, the socket's directory, the console, the WireGuard config
// and the key's device (a TPM, a swtpm socket or port, pcscd's socket).
func ServePolicy(exe string, ks *statedir.KeyState, o Options) (confine.Policy, error) {
	p, err := confine.Base(exe)
	if err != nil {
		return p, err
	}
	p.Add(ks.Dir, confine.Write)
	p.Add(filepath.Dir(o.Socket), confine.Write)
	p.Add(o.console(), confine.Device)
	if o.WireGuard != "" {
		// Optional: a missing file is then reported by the config
		// loader, with its name and a hint.
		p.AddOptional(o.WireGuard, confine.Read)
	}
	switch ks.URI.Scheme {
	case "tpm":
		p.Add(ks.URI.Path, confine.Read)
		if err := addTPMDevice(&p, ks.URI.Device); err != nil {
			return p, err
		}
	case "soft":
		p.Add(ks.URI.Path, confine.Read)
	case "piv":
		// libpcsclite connects to pcscd's socket; PCSCLITE_CSOCK_NAME
		// moves it (tests with a private pcscd do).
		p.AddOptional(pcscdDir, confine.Device|confine.Read)
		if s := os.Getenv("PCSCLITE_CSOCK_NAME"); s != "" {
			p.AddOptional(s, confine.Device)
		}
	}
	return p, nil
}

// addTPMDevice allows the TPM a key URI names: a device, a swtpm unix
// socket or a swtpm TCP port.
func addTPMDevice(p *confine.Policy, device string) error {
	switch {
	case strings.HasPrefix(device, "tcp://"):
		_, port, err := net.SplitHostPort(strings.TrimPrefix(device, "tcp://"))
		if err != nil {
			return fmt.Errorf("confine: tpm device %q: %w", device, err)
		}
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return fmt.Errorf("confine: tpm device %q has a bad port: %w", device, err)
		}
		p.ConnectTCP = append(p.ConnectTCP, uint16(n))
	case strings.HasPrefix(device, "unix://"):
		p.Add(strings.TrimPrefix(device, "unix://"), confine.Device)
	default:
		p.Add(device, confine.Device)
	}
	return nil
}
