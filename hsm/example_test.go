package hsm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/tka"
)

// A decision with several signatures unlocks the key once: the PIN is
// asked by Unlock (a TPM or YubiKey key; a software key asked for its
// passphrase at Open), the session signs them all, and Close wipes what
// the session held.
func ExampleKey_Unlock() {
	dir, _ := os.MkdirTemp("", "signet-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "key.soft")
	soft.UseCheapKDFForTests()
	ctx := context.Background()
	pass := hsm.FixedPIN("example passphrase")
	if _, err := soft.Create(ctx, path, pass); err != nil {
		panic(err)
	}
	key, err := hsm.Open(ctx, "soft:"+path, pass)
	if err != nil {
		panic(err)
	}
	defer key.Close()

	sess, err := key.Unlock(ctx, "request b1, 3 signatures")
	if err != nil {
		panic(err)
	}
	hashes := [][32]byte{{1}, {2}, {3}}
	sigs, err := sess.SignMany(ctx, hashes, func(done int) { fmt.Printf("signed %d of %d\n", done, len(hashes)) })
	sess.Close()
	if err != nil {
		panic(err)
	}
	fmt.Println(ed25519consensus.Verify(key.PublicKey(), hashes[2][:], sigs[2]))
	_, err = sess.Sign(ctx, hashes[0])
	fmt.Println(err != nil)
	// Output:
	// signed 1 of 3
	// signed 2 of 3
	// signed 3 of 3
	// true
	// true
}

// Open takes a key URI: the backend's scheme and where it finds the key.
// The key is a tka.Signer, so tka builds what is signed and the device
// signs it. A software key ("soft:", for development only) asks for its
// passphrase at Open; TPM and YubiKey keys ask at each signature or
// Unlock.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "signet-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "key.soft")
	soft.UseCheapKDFForTests()
	ctx := context.Background()
	if _, err := soft.Create(ctx, path, hsm.FixedPIN("example passphrase")); err != nil {
		panic(err)
	}

	_, err := hsm.Open(ctx, "soft:"+path, hsm.FixedPIN("wrong passphrase"))
	fmt.Println(errors.Is(err, hsm.ErrWrongPIN))

	key, err := hsm.Open(ctx, "soft:"+path, hsm.FixedPIN("example passphrase"))
	if err != nil {
		panic(err)
	}
	defer key.Close()
	att, err := key.Attest(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(att.Backend, att.Hardware)

	hash := [32]byte{1, 2, 3}
	sig, err := key.Sign(ctx, hash)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(sig), hsm.CheckSignature(key.PublicKey(), hash, sig))

	// The same key signs a node key for a tailnet whose authority trusts it.
	state := tka.State{
		Keys:              []tka.Key{tka.NewEd25519Key(key.PublicKey(), 1)},
		DisablementValues: [][]byte{bytes.Repeat([]byte{1}, 32)},
		StateID1:          1,
		StateID2:          2,
	}
	authority, _, err := tka.Create(ctx, tka.NewMemStore(), state, key)
	if err != nil {
		panic(err)
	}
	node, _ := tka.ParseNodeKey("nodekey:" + strings.Repeat("ab", 32))
	nks, err := tka.SignNodeKey(ctx, key, node, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(authority.NodeKeyAuthorized(node, nks.Serialize()))
	// Output:
	// true
	// soft false
	// 64 <nil>
	// <nil>
}

// A key URI names the backend and where it finds the key: a TPM key
// file and the TPM, a YubiKey by serial and PIV slot, or a software
// key file.
func ExampleParseURI() {
	for _, s := range []string{
		"tpm:/var/lib/signet/key.tpm?device=/dev/tpmrm0",
		"piv:serial=12345678;slot=9c",
		"soft:/var/lib/signet/key.soft",
		"piv:slot=9z",
	} {
		u, err := hsm.ParseURI(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s path=%q device=%q serial=%d slot=%#x: %s\n", u.Scheme, u.Path, u.Device, u.Serial, u.Slot, u)
	}
	// Output:
	// tpm path="/var/lib/signet/key.tpm" device="/dev/tpmrm0" serial=0 slot=0x0: tpm:/var/lib/signet/key.tpm?device=/dev/tpmrm0
	// piv path="" device="" serial=12345678 slot=0x9c: piv:serial=12345678;slot=9c
	// soft path="/var/lib/signet/key.soft" device="" serial=0 slot=0x0: soft:/var/lib/signet/key.soft
	// piv key URI slot "9z" is not a PIV key slot; use 9a, 9c, 9d, 9e or 82-95 (lowercase hex)
}
