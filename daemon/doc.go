// Package daemon assembles and runs the signing daemon of 'signet serve':
// it confines the process ([Confine], [ServePolicy]: the files, devices
// and sockets the daemon may reach), opens and checks the state directory
// ([OpenState]), makes sure there is an authority ([EnsureAuthority]),
// takes the console ([GuardConsole]), opens the key, and serves the
// request API on a unix socket ([Run]) and, optionally, to WireGuard
// peers ([StartWireGuard], [ServeWireGuard]).
//
// Errors carry the CLI's hints (internal/cli); cmd/signet only parses the
// flags, calls [Run] and prints.
package daemon
