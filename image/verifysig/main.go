// Command verifysig checks, on the host, a node-key signature that the
// appliance image returned during "make image-test": it must be a direct
// signature of the node key by the box's key (tlpub), and the Ed25519
// signature must verify.
//
//	go run ./image/verifysig tlpub:HEX nodekey:HEX SIGNATURE-HEX
package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/signetbox/signet/tka"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: verifysig tlpub:HEX nodekey:HEX SIGNATURE-HEX")
		os.Exit(2)
	}
	if err := verify(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintf(os.Stderr, "verifysig: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("verifysig: ok: a direct signature of", os.Args[2], "by", os.Args[1])
}

// verify checks sigHex against the box key and the node key.
func verify(tlpub, nodeKey, sigHex string) error {
	pub, err := tka.ParseTLPub(tlpub)
	if err != nil {
		return err
	}
	nk, err := tka.ParseNodeKey(nodeKey)
	if err != nil {
		return err
	}
	raw, err := hex.DecodeString(sigHex)
	if err != nil {
		return fmt.Errorf("the signature is not hex: %w", err)
	}
	sig, err := tka.DecodeNodeKeySignature(raw)
	if err != nil {
		return err
	}
	if sig.SigKind != tka.SigDirect {
		return fmt.Errorf("the signature is %s, want a direct one", sig.SigKind)
	}
	if !bytes.Equal(sig.Pubkey, nk.Binary()) {
		return errors.New("the signature is for another node key")
	}
	id, err := tka.NewEd25519Key(pub, 1).ID()
	if err != nil {
		return err
	}
	if !bytes.Equal(sig.KeyID, id) {
		return errors.New("the signature names another signing key than the box's")
	}
	h := sig.SigHash()
	if !ed25519.Verify(pub, h[:], sig.Signature) {
		return errors.New("the Ed25519 signature does not verify with the box's key")
	}
	return nil
}
