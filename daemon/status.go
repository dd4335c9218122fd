package daemon

import (
	"context"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
)

// Where names the daemon a client verb asks (signet status): the one on
// Socket when SocketGiven, else the one the state directory Dir's
// serve.json names. Only when DirGiven is false and Dir has no readable
// record is the daemon on Socket (the default socket) asked.
type Where struct {
	Dir         string
	DirGiven    bool
	Socket      string
	SocketGiven bool
}

// AskStatus asks the daemon that w names for its status. A stale record
// is an error (signer.StateDirStatus); every error says how to start or
// find the daemon.
func AskStatus(ctx context.Context, w Where) (*api.StatusInfo, error) {
	if !w.SocketGiven {
		st, rec, err := signer.StateDirStatus(ctx, w.Dir)
		if err == nil {
			return st, nil
		}
		if w.DirGiven || rec.Socket != "" {
			return nil, cli.WithHint(err, "start the daemon with 'signet serve --state "+w.Dir+"', or pass --socket")
		}
	}
	st, err := api.NewUnixClient(w.Socket).Status(ctx)
	if err != nil && w.SocketGiven {
		return nil, cli.WithHint(err, "is signet serve running on "+w.Socket+"? --state DIR finds the daemon of DIR wherever its socket is")
	}
	if err != nil {
		return nil, cli.WithHint(err, "start the daemon with 'signet serve', or pass --state DIR or --socket")
	}
	return st, nil
}
