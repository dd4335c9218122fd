// Package keyplan computes what a change to the authority's signing keys
// does before anything is sent to the daemon: the steps of a key rotation
// and of a device revocation (add a key, re-sign with the box's key every
// node whose signature chains to the key being removed, remove that key),
// the safety rails a plan breaks, the nodes a batch approval selects, the
// requests of add and remove, and the checks on a recovery AUM before it
// is co-signed, and the text of plans and recoveries. Nothing here signs,
// talks to the daemon or prints: the daemon reviews and signs each step
// (Plan.Run hands them to the caller's send), and cmd/signet prints.
package keyplan
