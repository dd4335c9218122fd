package wgintake

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
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
// ("get"), with names from the config.
func (t *Tunnel) Status() ([]PeerStatus, error) {
	text, err := t.dev.IpcGet()
	if err != nil {
		return nil, fmt.Errorf("reading the WireGuard device state: %w", err)
	}
	return parseIPC(text, t.byKey), nil
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
				st = nil
			}
			_ = json.NewEncoder(c).Encode(st)
		}()
	}
}

// ReadStatus asks a running daemon's status socket at path.
func ReadStatus(path string) ([]PeerStatus, error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("connecting to the WireGuard status socket: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var st []PeerStatus
	if err := json.NewDecoder(bufio.NewReader(io.LimitReader(c, 1<<20))).Decode(&st); err != nil {
		return nil, fmt.Errorf("reading the WireGuard status: %w", err)
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
