package wgintake

import (
	"bufio"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PeerStatus is what the device reports about one peer.
type PeerStatus struct {
	Name          string    `json:"name"`
	PublicKey     string    `json:"public_key"`
	Endpoint      string    `json:"endpoint,omitempty"`
	AllowedIPs    []string  `json:"allowed_ips"`
	LastHandshake time.Time `json:"last_handshake,omitzero"`
	RxBytes       uint64    `json:"rx_bytes"`
	TxBytes       uint64    `json:"tx_bytes"`
}

// Status reads the device's state through its configuration protocol
// ("get"), with names from the config, sorted by name: the device lists
// its peers in map order, which changes from one call to the next.
func (t *Tunnel) Status() ([]PeerStatus, error) {
	text, err := t.dev.IpcGet()
	if err != nil {
		return nil, fmt.Errorf("reading the WireGuard device state: %w", err)
	}
	st := parseIPC(text, t.byKey)
	slices.SortStableFunc(st, func(a, b PeerStatus) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.PublicKey, b.PublicKey))
	})
	return st, nil
}

// parseIPC reads the peer sections of a "get" answer. Private keys in it
// are skipped, never copied.
func parseIPC(text string, names map[string]string) []PeerStatus {
	var out []PeerStatus
	var sec, nsec int64
	flush := func() {
		if len(out) > 0 && (sec != 0 || nsec != 0) {
			out[len(out)-1].LastHandshake = time.Unix(sec, nsec).UTC()
		}
		sec, nsec = 0, 0
	}
	for line := range strings.Lines(text) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		if k == "public_key" {
			flush()
			out = append(out, PeerStatus{Name: names[v], PublicKey: b64(v)})
			continue
		}
		if len(out) == 0 {
			continue
		}
		p := &out[len(out)-1]
		switch k {
		case "endpoint":
			p.Endpoint = v
		case "allowed_ip":
			p.AllowedIPs = append(p.AllowedIPs, v)
		case "rx_bytes":
			p.RxBytes, _ = strconv.ParseUint(v, 10, 64)
		case "tx_bytes":
			p.TxBytes, _ = strconv.ParseUint(v, 10, 64)
		case "last_handshake_time_sec":
			sec, _ = strconv.ParseInt(v, 10, 64)
		case "last_handshake_time_nsec":
			nsec, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	flush()
	return out
}

func b64(hexKey string) string {
	var k Key
	if b, err := hex.DecodeString(hexKey); err == nil && len(b) == len(k) {
		copy(k[:], b)
		return k.String()
	}
	return hexKey
}

// ServeStatus answers each connection on l with the peers' status as
// JSON, then closes it, until l is closed. It is meant for a unix socket
// of mode 0600 in the state directory ("signet wg show" reads it).
func (t *Tunnel) ServeStatus(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			st, err := t.Status()
			if err != nil {
				_ = json.NewEncoder(c).Encode(statusError{Error: err.Error()})
				return
			}
			if st == nil {
				st = []PeerStatus{} // no peers: [], never null
			}
			_ = json.NewEncoder(c).Encode(st)
		}()
	}
}

// statusError is the status socket's answer when the device's state
// could not be read.
type statusError struct {
	Error string `json:"error"`
}

// ReadStatus asks a running daemon's status socket at path. An answer
// that is not the peers' status (the daemon could not read its device)
// is an error, never an empty list.
func ReadStatus(path string) ([]PeerStatus, error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connecting to the WireGuard status socket: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var raw json.RawMessage
	if err := json.NewDecoder(bufio.NewReader(io.LimitReader(c, 1<<20))).Decode(&raw); err != nil {
		return nil, fmt.Errorf("reading the WireGuard status: %w", err)
	}
	var se statusError
	if json.Unmarshal(raw, &se) == nil && se.Error != "" {
		return nil, fmt.Errorf("the daemon could not read its WireGuard device: %s", se.Error)
	}
	var st []PeerStatus
	if err := json.Unmarshal(raw, &st); err != nil || st == nil {
		return nil, fmt.Errorf("reading the WireGuard status: the answer is not a list of peers (%.40q)", raw)
	}
	return st, nil
}

// ListenStatus opens the status socket at path with mode 0600, replacing
// a stale one (the caller holds the state dir lock).
func ListenStatus(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("setting the mode of %s: %w", path, err)
	}
	return l, nil
}
