package hsm_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hdevalence/ed25519consensus"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
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
