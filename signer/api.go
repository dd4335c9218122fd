package signer

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/tka"
)

type peerKey struct{}

// Peer names whoever sent a request: a local process or a network peer.
type Peer struct {
	UID, PID int
	Name     string // e.g. a WireGuard peer's name; empty for local peers
}

func (p Peer) String() string {
	if p.Name != "" {
		return p.Name
	}
	who := "uid " + strconv.Itoa(p.UID)
	if u, err := user.LookupId(strconv.Itoa(p.UID)); err == nil {
		who = u.Username + " (" + who + ")"
	}
	return fmt.Sprintf("%s pid %d%s", who, p.PID, procName(p.PID))
}

// procName reads the peer's command name; a claim the peer controls.
func procName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil || len(b) == 0 {
		return ""
	}
	return " [" + plainName(strings.TrimSpace(string(b))) + "]"
}

// plainName keeps a process name to letters, digits and . _ - (it is
// chosen by the peer, so it may carry control characters).
func plainName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

// Handler serves the API for s.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	hc := &hsmCache{}
	mux.HandleFunc("POST "+api.PathRequests, s.serveRequest)
	mux.HandleFunc("GET "+api.PathStatus, func(w http.ResponseWriter, r *http.Request) { s.serveStatus(w, r, hc) })
	mux.HandleFunc("GET "+api.PathProgress, s.serveProgress) // progress.go
	// For signet-relay (api_relay.go).
	mux.HandleFunc("POST "+api.PathAUMs, s.serveAUMs)
	mux.HandleFunc("POST "+api.PathDelivered, s.serveDelivered)
	mux.HandleFunc("GET "+api.PathOutbox, s.serveOutbox)
	return mux
}

func (s *Service) serveRequest(w http.ResponseWriter, r *http.Request) {
	peer, _ := r.Context().Value(peerKey{}).(Peer)
	req, err := api.DecodeRequest(r.Body, s.policy.MaxBody)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, &api.Response{Status: api.StatusError, Error: err.Error()})
		return
	}
	resp := s.Handle(withAck(r.Context(), w, r), req, peer.String())
	code := http.StatusOK
	switch resp.Status {
	case api.StatusError:
		code = http.StatusUnprocessableEntity
	case api.StatusBusy:
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, resp)
}

// hsmStatus reads the key's status and attestation summary; it needs no
// PIN and never counts as a PIN attempt.
func (s *Service) hsmStatus(ctx context.Context) api.HSMStatus {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out := api.HSMStatus{PINRetries: -1, MaxTries: -1}
	if att, err := s.key.Attest(ctx); err == nil {
		out.Backend = att.Backend
	}
	st, err := s.key.Status(ctx)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Present, out.PINRetries, out.MaxTries, out.Lockout, out.Policy = st.Present, st.PINRetries, st.MaxTries, st.Lockout, st.Policy
	out.RecoverySeconds = int64(st.Recovery / time.Second)
	if out.Backend == "tpm" && st.Present {
		out.LockoutAuthSet = &st.LockoutAuthSet
	}
	return out
}

// Status describes the authority, the box's key and the queue.
func (s *Service) Status() api.StatusInfo {
	a := s.Authority()
	st := a.State()
	info := api.StatusInfo{
		Head:              a.Head().String(),
		DisablementValues: len(st.DisablementValues),
		BoxKey:            tka.FormatTLPub(s.key.PublicKey()),
		BoxKeyTrusted:     a.KeyTrusted(tka.KeyID(s.key.PublicKey())),
		Queue:             s.QueueLength(),
		Boot:              s.boot,
	}
	info.StateID, _ = a.StateIDs()
	for _, k := range st.Keys {
		info.Keys = append(info.Keys, tka.FormatTLPub(k.Public))
		info.Votes = append(info.Votes, k.Votes)
	}
	return info
}

func (s *Service) serveStatus(w http.ResponseWriter, r *http.Request, hc *hsmCache) {
	info := s.Status()
	// A relay polls the status; reading the key device each time would
	// compete with signing on it.
	if r.URL.Query().Get("hsm") != "no" {
		hs := hc.get(r.Context(), s.hsmStatus)
		info.HSM = &hs
	}
	writeJSON(w, http.StatusOK, info)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// ServeUnix serves the API on l, recording each connection's peer
// credentials (SO_PEERCRED), until ctx is done, within UnixLimits.
func (s *Service) ServeUnix(ctx context.Context, l *net.UnixListener) error {
	return s.ServeUnixWith(ctx, l, UnixLimits)
}

// ServeUnixWith is ServeUnix with other limits (tests shorten them).
func (s *Service) ServeUnixWith(ctx context.Context, l *net.UnixListener, lim Limits) error {
	return s.serveAPI(ctx, l, lim, func(c net.Conn) (Peer, bool) { return unixPeer(c), true })
}

// unixPeer reads SO_PEERCRED of a unix connection.
func unixPeer(conn net.Conn) Peer {
	p := Peer{UID: -1, PID: -1}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return p
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return p
	}
	_ = raw.Control(func(fd uintptr) {
		if cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
			p.UID, p.PID = int(cred.Uid), int(cred.Pid)
		}
	})
	return p
}
