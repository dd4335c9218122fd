// Package statedir owns signet's state directory: the names of its files,
// the lock that gives one process at a time the journal and the chain
// store, the key files (key.uri, key.pub, attestation.json) and the
// record of where the daemon serves (serve.json).
//
// Every other package names the state directory's files through the
// constants here, so the layout is written down once.
package statedir

import (
	"fmt"
	"path/filepath"
)

// Default is where signet keeps its state when no --state is given.
const Default = "/var/lib/signet"

// The files of a state directory.
const (
	// Journal is the hash-chained record of every request and event.
	Journal = "journal.log"
	// Chain is the chain store: the Tailnet Lock AUMs.
	Chain = "chain.log"
	// SigIndex lists the node-key signatures this box issued.
	SigIndex = "signatures.jsonl"
	// KeyURI names the box's key (an hsm URI); written last by key init,
	// its presence means the key files are complete.
	KeyURI = "key.uri"
	// KeyPub is the box's public key, tlpub:<hex>.
	KeyPub = "key.pub"
	// Attestation is what the key's backend proved when it was made.
	Attestation = "attestation.json"
	// ServeRecord says where the daemon holding the directory serves.
	ServeRecord = "serve.json"
	// Lock is the flock that one process at a time holds.
	Lock = "signet.lock"
	// SoftKey and TPMKey are the key material files of the soft and tpm
	// backends, when their key lives in the state directory.
	SoftKey = "key.soft"
	TPMKey  = "key.tpm"
	// WGKey is the box's WireGuard private key (mode 0600), for serve
	// --wireguard.
	WGKey = "wg.key"
	// WGStatusSocket is where "signet wg show" reads the running
	// WireGuard device.
	WGStatusSocket = "wg.sock"
)

// Prefixes of the files a repair keeps cut-off bytes in, followed by
// .<unix-time>: nothing is thrown away.
const (
	JournalTorn  = "journal.torn"
	ChainTorn    = "chain.torn"
	SigIndexTorn = "signatures.torn"
)

// KeyFiles are the key files the journal pins: every start checks them
// against the newest pin.
func KeyFiles() []string { return []string{KeyURI, KeyPub, Attestation} }

// ReplacedKeyFiles are the files a replaced key leaves behind, moved
// aside by MoveAside.
func ReplacedKeyFiles() []string { return []string{KeyURI, KeyPub, Attestation, TPMKey, SoftKey} }

// Path returns the path of the state directory dir's file name.
func Path(dir, name string) string { return filepath.Join(dir, name) }

// Abs returns dir as a clean absolute path, which key URIs need.
func Abs(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("--state %q: %w", dir, err)
	}
	return abs, nil
}
