package signer

import (
	"context"
	"fmt"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/statedir"
)

// StateDirStatus asks the daemon that serves dir for its status, found
// through dir's serve.json. A record that no daemon answers to, or that
// another daemon answers to, is stale: the error then wraps
// statedir.ErrNoDaemon and names the record, so a stale record never
// passes for a live daemon.
func StateDirStatus(ctx context.Context, dir string) (*api.StatusInfo, statedir.ServeRecordDoc, error) {
	r, err := statedir.ReadServeRecord(dir)
	if err != nil {
		return nil, r, err
	}
	path := statedir.Path(dir, statedir.ServeRecord)
	st, err := api.NewUnixClient(r.Socket).Status(ctx)
	if err != nil {
		return nil, r, fmt.Errorf("%w: the daemon recorded in %s (pid %d, socket %s) does not answer: %w", statedir.ErrNoDaemon, path, r.PID, r.Socket, err)
	}
	if st.Boot != r.Boot {
		return nil, r, fmt.Errorf("%w: %s is stale: the socket %s it names is served by another daemon than the one that wrote it (pid %d)", statedir.ErrNoDaemon, path, r.Socket, r.PID)
	}
	return st, r, nil
}
