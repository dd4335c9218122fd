// Package confine shuts the signing daemon into the few files, devices
// and sockets it needs: a Landlock domain, no new privileges, and locked
// memory.
//
// # Why a re-exec
//
// landlock_restrict_self restricts only the calling thread. A Go program
// has many threads, and signet links C code (libpcsclite), so
// syscall.AllThreadsSyscall is unavailable and the kernel's thread-sync
// flag (Landlock ABI 8) is too new to rely on. [Exec] therefore restricts
// one locked thread and executes the program again from it: the new
// image starts inside the domain, and every thread it ever makes inherits
// it. The price is that the program opens its files after confinement, so
// the [Policy] must name all of them; a missing entry shows at start, not
// later.
//
// # Why no seccomp filter
//
// A syscall allowlist for a Go program has to follow the runtime, the
// race detector and cgo from one Go release to the next; a wrong entry
// kills the daemon in the middle of a signature. The systemd unit's
// SystemCallFilter=@system-service gives the same protection and is kept
// up to date by systemd, so signet does not install its own.
package confine
