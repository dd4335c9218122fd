package confine

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnvMarker is set in the environment of the re-executed, confined
// program. It only tells the program to check its confinement (Verify);
// setting it by hand confines nothing and Verify then fails.
const EnvMarker = "SIGNET_CONFINED"

// EtcFiles are the only files under /etc a confined program may read:
// the loader's cache, the user and group databases through nsswitch (for
// the socket's group and the requesters' names), the time zone, and the
// resolver's files (a TPM reached at tcp://host:port). Never /etc/shadow,
// /etc/gshadow or anything else under /etc.
//
// NOTE(confine): Landlock rules hold on the files open at start. A file
// replaced by rename while the program runs (useradd rewrites
// /etc/passwd that way) is a new file the rules do not cover: the daemon
// then shows requesters as "uid N" until it restarts.
var EtcFiles = []string{
	"/etc/ld.so.cache", "/etc/ld.so.preload",
	"/etc/nsswitch.conf", "/etc/passwd", "/etc/group",
	"/etc/localtime",
	"/etc/hosts", "/etc/host.conf", "/etc/resolv.conf", "/etc/gai.conf",
}

// Base returns the rules every confined Go program needs to start again
// from exe: exe itself (to be executed), the shared libraries this
// process has mapped (the dynamic loader maps them again), EtcFiles
// read-only, the time zone database, and /proc and /sys/fs/cgroup
// read-only, which the Go runtime (cgroup CPU limits) and the race
// detector read at start.
func Base(exe string) (Policy, error) {
	var p Policy
	p.Add(exe, Execute)
	interp, err := interpreter(exe)
	if err != nil {
		return p, err
	}
	if interp != "" {
		// The kernel opens the ELF interpreter for execution too.
		p.Add(interp, Execute)
	}
	libs, err := mappedFiles()
	if err != nil {
		return p, err
	}
	for _, l := range libs {
		if l != exe && l != interp {
			p.AddOptional(l, unix.LANDLOCK_ACCESS_FS_READ_FILE)
		}
	}
	for _, f := range EtcFiles {
		p.AddOptional(f, unix.LANDLOCK_ACCESS_FS_READ_FILE)
	}
	p.AddOptional("/usr/share/zoneinfo", Read)
	p.AddOptional("/proc", Read)
	p.AddOptional("/sys/fs/cgroup", Read)
	return p, nil
}

// interpreter returns the dynamic loader named in exe's PT_INTERP, or
// "" for a static executable.
func interpreter(exe string) (string, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", fmt.Errorf("confine: reading %s: %w", exe, err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(prog.Open())
		if err != nil {
			return "", fmt.Errorf("confine: reading the interpreter of %s: %w", exe, err)
		}
		return strings.TrimRight(string(b), "\x00"), nil
	}
	return "", nil
}

// mappedFiles lists the files mapped into this process (its executable
// and shared libraries) from /proc/self/maps.
func mappedFiles() ([]string, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, fmt.Errorf("confine: listing the shared libraries: %w", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 6 || !strings.HasPrefix(fields[5], "/") || seen[fields[5]] {
			continue
		}
		seen[fields[5]] = true
		out = append(out, fields[5])
	}
	return out, s.Err()
}

// Exec confines the process and executes exe again with argv and env
// plus EnvMarker: it sets no_new_privs, builds a Landlock domain from p
// on one locked thread and calls execve from that thread, so the new
// image and all its threads run inside the domain. It returns only on
// failure, ErrNoLandlock if the kernel cannot confine.
func Exec(p Policy, exe string, argv, env []string) error {
	abi, err := ABI()
	if err != nil {
		return err
	}
	runtime.LockOSThread()
	// No UnlockOSThread: if anything below fails, this thread may
	// already be restricted or have no_new_privs; letting it die with
	// the goroutine keeps it from running other goroutines.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("confine: setting no_new_privs: %w", err)
	}
	ruleset, err := newRuleset(abi)
	if err != nil {
		return err
	}
	defer unix.Close(ruleset)
	for _, r := range p.Rules {
		err := addPath(ruleset, abi, r.Path, r.Rights)
		if r.Optional && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
	}
	if abi >= 4 {
		for _, port := range p.ConnectTCP {
			if err := addPort(ruleset, port); err != nil {
				return err
			}
		}
	}
	if err := restrictSelf(ruleset); err != nil {
		return err
	}
	env = append(withoutMarker(env), fmt.Sprintf("%s=%d", EnvMarker, abi))
	if err := syscall.Exec(exe, argv, env); err != nil {
		return fmt.Errorf("confine: executing %s again inside the Landlock domain: %w", exe, err)
	}
	return nil
}

func withoutMarker(env []string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, EnvMarker+"=") {
			out = append(out, kv)
		}
	}
	return out
}
