package confine

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NOTE(confine): the Landlock system calls are used directly through
// golang.org/x/sys/unix rather than through a Landlock library: the
// library needs psx (a cgo thread wrapper) to restrict every thread,
// which the re-exec in Exec makes unnecessary, and the three calls fit
// in this file.

// ErrNoLandlock says the kernel cannot confine the daemon.
var ErrNoLandlock = errors.New("confine: the kernel has no Landlock (needs Linux 5.13+ with CONFIG_SECURITY_LANDLOCK=y and landlock in the lsm= boot list)")

// testOnlyABI, when set by a test, replaces the kernel's answer to the
// Landlock version query.
var testOnlyABI func() (int, error)

// rulesetAttr is struct landlock_ruleset_attr up to ABI 6 (scoped); the
// kernel accepts this prefix of newer layouts.
type rulesetAttr struct {
	handledFS  uint64
	handledNet uint64
	scoped     uint64
}

type pathBeneathAttr struct {
	allowed  uint64
	parentFD int32
}

type netPortAttr struct {
	allowed uint64
	port    uint64
}

const landlockRuleNetPort = 2 // LANDLOCK_RULE_NET_PORT

// ABI returns the kernel's Landlock ABI version, or ErrNoLandlock.
func ABI() (int, error) {
	if testOnlyABI != nil {
		return testOnlyABI()
	}
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	switch errno {
	case 0:
		return int(v), nil
	case unix.ENOSYS, unix.EOPNOTSUPP:
		return 0, ErrNoLandlock
	}
	return 0, fmt.Errorf("confine: asking the kernel for its Landlock version: %w", errno)
}

// handledFS is every filesystem right the kernel at abi knows, so that
// any right not granted by a rule is denied.
func handledFS(abi int) uint64 {
	r := uint64(1<<13 - 1) // ABI 1: EXECUTE .. MAKE_SYM
	if abi >= 2 {
		r |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		r |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		r |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return r
}

func handledNet(abi int) uint64 {
	if abi < 4 {
		return 0
	}
	return unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
}

func scoped(abi int) uint64 {
	if abi < 6 {
		return 0
	}
	return unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
}

// newRuleset creates a ruleset that handles every right known at abi.
func newRuleset(abi int) (int, error) {
	attr := rulesetAttr{handledFS: handledFS(abi), handledNet: handledNet(abi), scoped: scoped(abi)}
	size := unsafe.Sizeof(attr)
	if abi < 6 {
		size = 16 // no scoped field before ABI 6
	}
	if abi < 4 {
		size = 8 // no net field before ABI 4
	}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return -1, fmt.Errorf("confine: creating the Landlock ruleset: %w", errno)
	}
	return int(fd), nil
}

// addPath grants rights beneath path (a directory) or on it (a file).
// Rights that make no sense on a file are dropped for files, as the
// kernel requires.
func addPath(ruleset int, abi int, path string, rights uint64) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("confine: opening %s for a Landlock rule: %w", path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("confine: stat %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		rights &= fileRights
	}
	attr := pathBeneathAttr{allowed: rights & handledFS(abi), parentFD: int32(fd)}
	_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("confine: adding the Landlock rule for %s: %w", path, errno)
	}
	return nil
}

// addPort allows connecting to a TCP port.
func addPort(ruleset int, port uint16) error {
	attr := netPortAttr{allowed: unix.LANDLOCK_ACCESS_NET_CONNECT_TCP, port: uint64(port)}
	_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), landlockRuleNetPort, uintptr(unsafe.Pointer(&attr)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("confine: adding the Landlock rule for TCP port %d: %w", port, errno)
	}
	return nil
}

// restrictSelf enforces ruleset on the calling thread.
func restrictSelf(ruleset int) error {
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), 0, 0); errno != 0 {
		return fmt.Errorf("confine: entering the Landlock domain: %w", errno)
	}
	return nil
}
