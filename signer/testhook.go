package signer

import (
	"sync/atomic"
	"time"
)

// afterWrite, when set, is called with a file's path after each durable
// write to the state dir: a journal append, an index add, a chain commit.
var afterWrite atomic.Pointer[func(path string)]

// SetAfterWriteForTests makes fn be called after each durable write to a
// state dir (journal append, index add, chain commit), with the file's
// path, until restore is called. Tests use it to keep every state a state
// dir goes through (the tamper matrix); the daemon never sets it.
func SetAfterWriteForTests(fn func(path string)) (restore func()) {
	afterWrite.Store(&fn)
	return func() { afterWrite.Store(nil) }
}

// wrote calls the afterWrite hook, if any.
func wrote(path string) {
	if fn := afterWrite.Load(); fn != nil {
		(*fn)(path)
	}
}

// SetClockForTests makes j stamp the records it appends with now()
// instead of the time of day, so that fixtures (and the hashes that
// cover their times) come out the same on every run. The daemon never
// calls it.
func (j *Journal) SetClockForTests(now func() time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.now = now
}
