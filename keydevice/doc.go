// Package keydevice reads the key device a state directory names without
// its PIN: it opens the key ([OpenNoPIN]) and checks it against key.pub,
// reads the device's state ([Read], through the daemon that serves the
// state directory when one runs), and gets and checks a fresh attestation
// ([Attest], [CheckTPMAttestation]).
//
// Nothing here ever asks for or counts a PIN attempt: status and
// attestation need none. The CLI's 'signet key show', 'signet key attest'
// and 'signet status' print what this package returns.
package keydevice
