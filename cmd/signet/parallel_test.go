package main

// The tests that run the real daemon in tmux or on a pty (the tmux
// scenarios, the crash soak, the flood, the disk-full test) spend most of
// their time waiting for a screen, a socket or a timeout, so they run in
// parallel (t.Parallel). Each has its own state dir, socket, tmux session
// and swtpm; none changes a package variable. The PIV tests share one
// virtual card reader and stay serial, as do the in-process scripts,
// which set test hooks. Their soft keys come from testrig.SoftKey, which
// turns the soft backend's Argon2id down once per test process
// (testrig.CheapKDF), so that parallel tests do not race on the setting.
