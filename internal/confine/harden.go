package confine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// NoCoreDumps turns core dumps off for this process, so that a PIN or an
// unsealed seed never reaches a core file: RLIMIT_CORE 0 (soft and hard,
// so a child cannot raise it again) and PR_SET_DUMPABLE 0, which also
// stops other processes of the same user from attaching with ptrace or
// reading /proc/PID/mem. signet calls it first, for every verb.
func NoCoreDumps() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("hardening: turning core dumps off (RLIMIT_CORE): %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("hardening: marking the process non-dumpable (PR_SET_DUMPABLE): %w", err)
	}
	return nil
}
