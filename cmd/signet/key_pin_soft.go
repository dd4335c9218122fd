package main

import (
	"context"
	"fmt"
	"io"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/statedir"
)

// changeSoftPassphrase changes the passphrase of a soft key. It holds the
// state dir lock throughout, so no daemon has the key open and no other
// signet process rewrites the key file meanwhile.
func changeSoftPassphrase(ctx context.Context, stderr io.Writer, st *statedir.KeyState) error {
	unlock, err := statedir.TakeLock(st.Dir)
	if err != nil {
		return withHint(err, "stop signet serve, then change the passphrase; the daemon keeps the key open")
	}
	defer unlock()
	con, err := openConsole()
	if err != nil {
		return err
	}
	defer con.Close()
	old, err := con.ReadSecret(ctx, "Current passphrase: ")
	if err != nil {
		return err
	}
	defer hsm.Wipe(old)
	next, err := con.ReadNewSecret(ctx, "passphrase")
	if err != nil {
		return err
	}
	defer hsm.Wipe(next)
	if err := soft.ChangePassphrase(ctx, st.URI.Path, old, next); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "signet: the passphrase of soft key %s is changed\n", st.URI.Path)
	return nil
}
