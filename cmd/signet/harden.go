package main

// Rules for this file: hardening runs first in main, before any flag is
// parsed or any device is touched, for every verb. If it fails, signet
// refuses to run: a PIN or an unsealed seed must never reach a core file.

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// testOnlyAfterHarden, when set by a test, runs right after harden so the
// test can read the process state that main leaves for the verbs.
var testOnlyAfterHarden func()

// harden turns core dumps off for this process: RLIMIT_CORE 0 (soft and
// hard, so a child cannot raise it again) and PR_SET_DUMPABLE 0, which
// also stops other processes of the same user from attaching with ptrace
// or reading /proc/PID/mem.
func harden() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("hardening: turning core dumps off (RLIMIT_CORE): %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("hardening: marking the process non-dumpable (PR_SET_DUMPABLE): %w", err)
	}
	return nil
}
