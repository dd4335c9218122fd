package statedir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/signetbox/signet/internal/durable"
)

// ServeRecordDoc is serve.json: where the daemon that holds a state dir
// serves its API. The socket may live anywhere (--socket), so the state
// dir alone does not say where to ask. It holds no secret.
type ServeRecordDoc struct {
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
func WriteServeRecord(dir string, r ServeRecordDoc) (remove func(), err error) {
	abs, err := filepath.Abs(r.Socket)
	if err != nil {
		return nil, fmt.Errorf("recording the socket %s: %w", r.Socket, err)
	}
	r.Socket = abs
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("recording the socket: %w", err)
	}
	path := Path(dir, ServeRecord)
	if err := durable.Replace(path, append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("recording the socket: %w", err)
	}
	return func() {
		if now, err := ReadServeRecord(dir); err == nil && now.Boot == r.Boot {
			_ = os.Remove(path)
		}
	}, nil
}

// ReadServeRecord reads dir's serve.json. Without one, the error wraps
// ErrNoDaemon.
func ReadServeRecord(dir string) (ServeRecordDoc, error) {
	path := Path(dir, ServeRecord)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ServeRecordDoc{}, fmt.Errorf("%w: no daemon has recorded its socket in %s", ErrNoDaemon, path)
	}
	if err != nil {
		return ServeRecordDoc{}, fmt.Errorf("reading the daemon's record: %w", err)
	}
	var r ServeRecordDoc
	if err := json.Unmarshal(b, &r); err != nil || r.Socket == "" || r.Boot == "" {
		return ServeRecordDoc{}, fmt.Errorf("%s is not a daemon record (%v); it is rewritten at the next start of signet serve", path, err)
	}
	return r, nil
}
