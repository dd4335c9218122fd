// Package audit builds the review of what a signet box signed: it scans
// the box's journal, cross-checks it with the index of issued signatures
// and with a node's 'tailscale lock status --json', and reports findings
// in five sections (issued, not-issued, untrusted, outstanding, stale) as
// a table, JSON or CSV. It only reads the state directory, so it runs
// while the daemon does.
package audit
