package main

import (
	"sync"

	"github.com/signetbox/signet/hsm/soft"
)

// The tests that run the real daemon in tmux or on a pty (the tmux
// scenarios, the crash soak, the flood, the disk-full test) spend most of
// their time waiting for a screen, a socket or a timeout, so they run in
// parallel (t.Parallel). Each has its own state dir, socket, tmux session
// and swtpm; none changes a package variable. The PIV tests share one
// virtual card reader and stay serial, as do the in-process scripts,
// which set test hooks.

// cheapKDF turns the soft backend's Argon2id down, once per test process:
// parallel tests that make soft keys would otherwise race on the setting.
var cheapKDF = sync.OnceFunc(soft.UseCheapKDFForTests)
