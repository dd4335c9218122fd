package signer

// How many connections each peer may hold on an API listener. A peer is a
// uid on the unix socket and a WireGuard peer in the tunnel (Peer.key):
// every process of one uid shares its allowance.
//
// NOTE(signer): a connection that has been idle (kept alive between
// requests), or without a complete request line and headers, for
// evictGrace is "evictable": when its peer, or the listener, is full, the
// newest connection takes its place. So idle and slow-header floods evict
// themselves, while a connection that a client opened a moment ago, or
// one waiting for the console, is never closed under it.

import (
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// evictGrace is how long a new connection may take to send its request
// line and headers before a newer one of the same peer may take its
// place. Real clients send them at once.
const evictGrace = 250 * time.Millisecond

// connKey is the context key of a request's *trackedConn.
type connKey struct{}

// connTracker is a listener that counts and caps connections per peer.
type connTracker struct {
	net.Listener
	lim    Limits
	peerOf func(net.Conn) (Peer, bool)
	now    func() time.Time

	refusing chan struct{} // see refuse

	mu    sync.Mutex
	total int
	body  int64 // bytes of bodies being received
	peers map[string]*peerConns
}

// peerConns are one peer's open connections.
type peerConns struct {
	conns              map[*trackedConn]bool
	general, statusOnl int
	body               int64 // bytes of bodies being received
}

// trackedConn is one accepted connection.
type trackedConn struct {
	net.Conn
	t          *connTracker
	peer       Peer
	key        string
	statusOnly bool // may only read GET /v1/status
	// Guarded by t.mu:
	state    http.ConnState
	since    time.Time
	released bool
}

func newConnTracker(l net.Listener, lim Limits, peerOf func(net.Conn) (Peer, bool)) *connTracker {
	return &connTracker{Listener: l, lim: lim, peerOf: peerOf, now: time.Now, peers: map[string]*peerConns{}, refusing: make(chan struct{}, maxRefusing)}
}

// Accept returns the next connection within the limits; others are
// answered 503 and closed.
func (t *connTracker) Accept() (net.Conn, error) {
	for {
		c, err := t.Listener.Accept()
		if err != nil {
			return nil, err
		}
		peer, ok := t.peerOf(c)
		if !ok {
			c.Close()
			continue
		}
		tc := &trackedConn{Conn: c, t: t, peer: peer, key: peer.key(), state: http.StateNew, since: t.now()}
		victims, ok := t.admit(tc)
		for _, v := range victims {
			v.Conn.Close() // the server's goroutine sees it and releases v
		}
		if ok {
			return tc, nil
		}
		t.refuse(c, "too many connections from "+tc.key+"; close some and try again")
	}
}

// admit books tc's slot, choosing which evictable connections to close
// for it (already released). ok is false when there is no room.
func (t *connTracker) admit(tc *trackedConn) (victims []*trackedConn, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	p := t.peers[tc.key]
	if p == nil {
		p = &peerConns{conns: map[*trackedConn]bool{}}
	}
	// A victim's slot goes to tc: a general one when the peer has an
	// evictable general connection, else a status-only one.
	switch {
	case p.general < t.lim.PerPeer:
	case oldestEvictable(p.conns, now, false) != nil:
		victims = append(victims, oldestEvictable(p.conns, now, false))
	case p.statusOnl < t.lim.StatusOnly:
		tc.statusOnly = true
	case oldestEvictable(p.conns, now, true) != nil:
		tc.statusOnly = true
		victims = append(victims, oldestEvictable(p.conns, now, true))
	default:
		return nil, false
	}
	limit := t.lim.Total
	if !tc.peer.privileged() {
		limit -= t.lim.Reserved
	}
	if len(victims) == 0 && t.total >= limit {
		v := t.oldestEvictableAll(now)
		if v == nil {
			return nil, false
		}
		victims = append(victims, v)
	}
	for _, v := range victims {
		t.releaseLocked(v)
	}
	t.peers[tc.key] = p
	p.conns[tc] = true
	if tc.statusOnly {
		p.statusOnl++
	} else {
		p.general++
	}
	t.total++
	return victims, true
}

// oldestEvictable is the longest-waiting evictable connection of conns
// with the given kind (status-only or general), or nil.
func oldestEvictable(conns map[*trackedConn]bool, now time.Time, statusOnly bool) *trackedConn {
	var best *trackedConn
	for c := range conns {
		if c.statusOnly == statusOnly && c.evictable(now) && (best == nil || c.since.Before(best.since)) {
			best = c
		}
	}
	return best
}

func (t *connTracker) oldestEvictableAll(now time.Time) *trackedConn {
	var best *trackedConn
	for _, p := range t.peers {
		for _, kind := range []bool{false, true} {
			if c := oldestEvictable(p.conns, now, kind); c != nil && (best == nil || c.since.Before(best.since)) {
				best = c
			}
		}
	}
	return best
}

// evictable: idle between requests, or still without a full request,
// for evictGrace (a client that reuses a connection it just used is not
// cut off). Called with t.mu held.
func (c *trackedConn) evictable(now time.Time) bool {
	return (c.state == http.StateIdle || c.state == http.StateNew) && now.Sub(c.since) >= evictGrace
}

// setState is the server's ConnState hook.
func (t *connTracker) setState(c net.Conn, st http.ConnState) {
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tc.state, tc.since = st, t.now()
	if st == http.StateClosed || st == http.StateHijacked {
		t.releaseLocked(tc)
	}
}

// releaseLocked frees tc's slot once.
func (t *connTracker) releaseLocked(tc *trackedConn) {
	if tc.released {
		return
	}
	tc.released = true
	p := t.peers[tc.key]
	if p == nil {
		return
	}
	delete(p.conns, tc)
	if tc.statusOnly {
		p.statusOnl--
	} else {
		p.general--
	}
	t.total--
	if len(p.conns) == 0 && p.body == 0 {
		delete(t.peers, tc.key)
	}
}

// Close closes the connection and frees its slot.
func (c *trackedConn) Close() error {
	c.t.mu.Lock()
	c.t.releaseLocked(c)
	c.t.mu.Unlock()
	return c.Conn.Close()
}

// maxRefusing bounds the refused connections being answered at once;
// beyond it they are closed unanswered, so a flood of them holds no more
// descriptors.
const maxRefusing = 32

// refuse answers a connection over the limits with 503 and closes it. It
// reads what the client sent for up to a second first: closing a socket
// with unread data resets it, and the client would not see the answer.
func (t *connTracker) refuse(c net.Conn, msg string) {
	select {
	case t.refusing <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-t.refusing }()
		defer c.Close()
		body := `{"status":"busy","error":` + strconv.Quote(msg) + "}\n"
		_ = c.SetDeadline(time.Now().Add(time.Second))
		_, _ = c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n" + body))
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

// key names the peer whose allowances (connections, bodies, requests a
// minute) a connection uses: "wireguard:NAME" or "uid N".
func (p Peer) key() string {
	if p.Name != "" {
		return p.Name
	}
	return "uid " + strconv.Itoa(p.UID)
}

// privileged peers may use Limits.Reserved: root and the daemon's own
// uid, on the unix socket.
func (p Peer) privileged() bool {
	return p.Name == "" && (p.UID == 0 || p.UID == os.Getuid())
}
