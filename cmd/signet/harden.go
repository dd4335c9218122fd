package main

// Rules for this file: hardening runs first in main, before any flag is
// parsed or any device is touched, for every verb. If it fails, signet
// refuses to run: a PIN or an unsealed seed must never reach a core file.

import "github.com/signetbox/signet/internal/confine"

// testOnlyAfterHarden, when set by a test, runs right after harden so the
// test can read the process state that main leaves for the verbs.
var testOnlyAfterHarden func()

// harden turns core dumps off and makes the process non-dumpable
// (confine.NoCoreDumps).
var harden = confine.NoCoreDumps
