package hsm

import (
	"os"

	"golang.org/x/sys/unix"
)

// allocLocked maps size bytes (rounded up to whole pages) of anonymous
// memory, locks them and marks them MADV_DONTDUMP and MADV_WIPEONFORK.
// Without a mapping it falls back to the heap; a failed mlock (a low
// RLIMIT_MEMLOCK) leaves the mapping unlocked and says so.
func allocLocked(size int) (mem []byte, locked bool, unmap func()) {
	page := os.Getpagesize()
	n := (size + page - 1) / page * page
	m, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return make([]byte, size), false, nil
	}
	// NOTE(hsm): DONTDUMP keeps the secret out of core dumps, WIPEONFORK
	// out of a child's copy of the address space; both are best effort.
	_ = unix.Madvise(m, unix.MADV_DONTDUMP)
	_ = unix.Madvise(m, unix.MADV_WIPEONFORK)
	locked = unix.Mlock(m) == nil
	return m[:size:size], locked, func() {
		clear(m)
		_ = unix.Munlock(m)
		_ = unix.Munmap(m)
	}
}
