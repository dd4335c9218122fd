// Package cli holds the command-line contract of signet's binaries
// (docs/cli.md): an error reaches the user as one line "PROG: error: …"
// on stderr plus any "PROG: hint: …" lines; the exit status is 0 on
// success, 1 when a command ran and failed, and 2 for a usage error; and
// "version --json" prints one object with a schema version
// (docs/json.md).
//
// signet and signet-relay run their cobra trees through [Execute] and
// print their errors and versions with this package.
package cli
