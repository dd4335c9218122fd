//go:build !linux

package hsm

// allocLocked returns a heap buffer: locking memory is implemented for
// Linux only, where signet runs.
func allocLocked(size int) (mem []byte, locked bool, unmap func()) {
	return make([]byte, size), false, nil
}
