package signer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/signetbox/signet/api"
)

// serveRecordFile names, in the state dir, the record of where the daemon
// that holds the state dir serves its API. The socket may live anywhere
// (--socket), so the state dir alone does not say where to ask.
const serveRecordFile = "serve.json"

// ServeRecord is serve.json: where the daemon that holds a state dir
// serves its API. It holds no secret.
type ServeRecord struct {
	Socket string `json:"socket"` // the API socket, an absolute path
	PID    int    `json:"pid"`    // the daemon's process
	Boot   string `json:"boot"`   // the daemon's StatusInfo.Boot
}

// ErrNoDaemon means that no running daemon serves the state dir: it
// recorded no socket, or the socket it recorded does not answer, or
// another daemon answers there.
var ErrNoDaemon = errors.New("no signet serve runs on this state dir")

// WriteServeRecord writes dir's serve.json for the daemon holding dir's
// lock, replacing any earlier one whole (a reader sees the old or the new
// record, never a mix). remove deletes it again if it is still this one.
func WriteServeRecord(dir string, r ServeRecord) (remove func(), err error) {
	abs, err := filepath.Abs(r.Socket)
	if err != nil {
		return nil, fmt.Errorf("recording the socket %s: %w", r.Socket, err)
	}
	r.Socket = abs
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("recording the socket: %w", err)
	}
	path := filepath.Join(dir, serveRecordFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("recording the socket in %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("recording the socket in %s: %w", path, err)
	}
	return func() {
		if now, err := ReadServeRecord(dir); err == nil && now.Boot == r.Boot {
			_ = os.Remove(path)
		}
	}, nil
}

// ReadServeRecord reads dir's serve.json. Without one, the error wraps
// ErrNoDaemon.
func ReadServeRecord(dir string) (ServeRecord, error) {
	path := filepath.Join(dir, serveRecordFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ServeRecord{}, fmt.Errorf("%w: no daemon has recorded its socket in %s", ErrNoDaemon, path)
	}
	if err != nil {
		return ServeRecord{}, fmt.Errorf("reading the daemon's record: %w", err)
	}
	var r ServeRecord
	if err := json.Unmarshal(b, &r); err != nil || r.Socket == "" || r.Boot == "" {
		return ServeRecord{}, fmt.Errorf("%s is not a daemon record (%v); it is rewritten at the next start of signet serve", path, err)
	}
	return r, nil
}

// StateDirStatus asks the daemon that serves dir for its status, found
// through dir's serve.json. A record that no daemon answers to, or that
// another daemon answers to, is stale: the error then wraps ErrNoDaemon
// and names the record, so a stale record never passes for a live daemon.
func StateDirStatus(ctx context.Context, dir string) (*api.StatusInfo, ServeRecord, error) {
	r, err := ReadServeRecord(dir)
	if err != nil {
		return nil, r, err
	}
	path := filepath.Join(dir, serveRecordFile)
	st, err := api.NewUnixClient(r.Socket).Status(ctx)
	if err != nil {
		return nil, r, fmt.Errorf("%w: the daemon recorded in %s (pid %d, socket %s) does not answer: %w", ErrNoDaemon, path, r.PID, r.Socket, err)
	}
	if st.Boot != r.Boot {
		return nil, r, fmt.Errorf("%w: %s is stale: the socket %s it names is served by another daemon than the one that wrote it (pid %d)", ErrNoDaemon, path, r.Socket, r.PID)
	}
	return st, r, nil
}
