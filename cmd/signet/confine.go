package main

// Rules for this file: "signet serve" confines itself before it opens
// anything (issue 7). The first run builds the Landlock policy from the
// key URI and the flags and executes signet again inside the domain
// (internal/confine explains why a re-exec); the second run checks that it
// really is confined, locks its memory and goes on to open the state dir,
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

	"github.com/spf13/pflag"

	"github.com/signetbox/signet/internal/confine"
	"github.com/signetbox/signet/statedir"
)

// pcscdDir holds pcscd's client socket (pcscd.comm) on Debian.
const pcscdDir = "/run/pcscd"

// testOnlyAfterConfine, when set by a test, runs in the confined run of
// serve right after the confinement was checked.
var testOnlyAfterConfine func(a *serveArgs)

// addConfineFlags registers serve's confinement flags.
func addConfineFlags(f *pflag.FlagSet, a *serveArgs) {
	f.BoolVar(&a.allowUnconfined, "allow-unconfined", false, "run even if the kernel has no Landlock (the daemon can then open any file its user can)")
}

// confineServe confines the daemon. In the first run it does not return
// on success: the process continues as the confined second run.
func confineServe(log io.Writer, ks *statedir.KeyState, a *serveArgs) error {
	if abi, ok := confine.Marked(); ok {
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
			testOnlyAfterConfine(a)
		}
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("confine: finding the signet binary to run again: %w", err)
	}
	p, err := servePolicy(exe, ks, a)
	if err != nil {
		return err
	}
	err = confine.Exec(p, exe, os.Args, os.Environ())
	if errors.Is(err, confine.ErrNoLandlock) && a.allowUnconfined {
		fmt.Fprintf(log, "signet: warning: running UNCONFINED (--allow-unconfined): %v\n", err)
		if err := confine.LockMemory(); err != nil {
			fmt.Fprintf(log, "signet: note: %v\n", err)
		}
		return nil
	}
	if errors.Is(err, confine.ErrNoLandlock) {
		return withHint(err, "boot a kernel with Landlock (lsm=landlock,...), or accept running unconfined with --allow-unconfined")
	}
	return err
}

// servePolicy lists everything serve opens after confinement.
func servePolicy(exe string, ks *statedir.KeyState, a *serveArgs) (confine.Policy, error) {
	p, err := confine.Base(exe)
	if err != nil {
		return p, err
	}
	p.Add(ks.Dir, confine.Write)
	p.Add(filepath.Dir(a.socket), confine.Write)
	console := a.console
	if console == "" {
		console = "/dev/tty"
	}
	p.Add(console, confine.Device)
	if a.wireguard != "" {
		// Optional: a missing file is then reported by the config
		// loader, with its name and a hint.
		p.AddOptional(a.wireguard, confine.Read)
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
