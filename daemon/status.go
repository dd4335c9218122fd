package daemon

import (
	"context"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/keydevice"
	"github.com/signetbox/signet/signer"
)

// Where names the daemon a client verb asks (signet status): the one on
// Socket when SocketGiven, else the one the state directory Dir's
// serve.json names. Only when DirGiven is false and Dir has no readable
// record is the daemon on Socket (the default socket) asked.
type Where struct {
	Dir         string // the state directory (--state, or the default)
	DirGiven    bool   // --state was given
	Socket      string // the socket (--socket, or the default)
	SocketGiven bool   // --socket was given
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

// StatusSchema is the schema version of 'signet status --json'.
const StatusSchema = 1

// StatusReport is the output of 'signet status --json' (docs/json.md).
type StatusReport struct {
	SchemaVersion     int              `json:"schema_version"`
	Head              string           `json:"head"`
	BoxKey            string           `json:"box_key"`
	BoxKeyTrusted     bool             `json:"box_key_trusted"`
	TrustedKeys       []TrustedKey     `json:"trusted_keys"`
	DisablementValues int              `json:"disablement_values"`
	KeyDevice         *keydevice.State `json:"key_device,omitempty"` // left out when the daemon did not read it
	Queue             int              `json:"queue"`
}

// TrustedKey is one trusted key of an authority in the --json outputs
// (status, chain verify).
type TrustedKey struct {
	PublicKey string `json:"public_key"`
	Votes     uint   `json:"votes"`
}

// NewStatusReport is the report of a daemon's status answer: each key
// with its votes (0 where the answer lists fewer votes than keys), and
// the key device's state when the daemon read it.
func NewStatusReport(st *api.StatusInfo) *StatusReport {
	r := &StatusReport{SchemaVersion: StatusSchema, Head: st.Head, BoxKey: st.BoxKey, BoxKeyTrusted: st.BoxKeyTrusted,
		TrustedKeys: []TrustedKey{}, DisablementValues: st.DisablementValues, Queue: st.Queue}
	for i, k := range st.Keys {
		var votes uint
		if i < len(st.Votes) {
			votes = st.Votes[i]
		}
		r.TrustedKeys = append(r.TrustedKeys, TrustedKey{PublicKey: k, Votes: votes})
	}
	if st.HSM != nil {
		d := keydevice.FromDaemon(*st.HSM)
		r.KeyDevice = &d
	}
	return r
}
