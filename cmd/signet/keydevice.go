package main

import "github.com/signetbox/signet/keydevice"

// deviceJSON is the key device's state in the --json outputs of key show
// and status (keydevice.State).
type deviceJSON = keydevice.State

// deviceFromDaemon converts the daemon's reading (keydevice.FromDaemon).
var deviceFromDaemon = keydevice.FromDaemon
