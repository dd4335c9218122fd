package confine

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// LockMemory keeps the process's memory, where PINs and unsealed seeds
// pass, out of swap: mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT).
// MCL_ONFAULT locks pages as they are touched, so the Go heap's large
// reservations do not become resident at once.
//
// NOTE(confine): with MCL_FUTURE, every later mapping counts against
// RLIMIT_MEMLOCK, and a Go runtime whose mmap fails dies. So memory is
// locked only when the limit is unlimited or the process may exceed it
// (CAP_IPC_LOCK); otherwise LockMemory locks nothing and returns an
// error that names the limit, which the caller reports and survives.
func LockMemory() error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil {
		return fmt.Errorf("confine: reading RLIMIT_MEMLOCK: %w", err)
	}
	if lim.Cur != unix.RLIM_INFINITY && !hasIPCLock() {
		return fmt.Errorf("confine: memory not locked: RLIMIT_MEMLOCK is %d bytes; set LimitMEMLOCK=infinity (the signet unit does) or ulimit -l unlimited", lim.Cur)
	}
	if err := unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE | unix.MCL_ONFAULT); err != nil {
		return fmt.Errorf("confine: memory not locked: mlockall: %w", err)
	}
	return nil
}

// hasIPCLock reports whether CAP_IPC_LOCK is in the effective set.
func hasIPCLock() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[unix.CAP_IPC_LOCK/32].Effective&(1<<(unix.CAP_IPC_LOCK%32)) != 0
}
