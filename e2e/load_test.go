package e2e

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/blake2s"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// loadBox is a box with an authority of its own (no tailnet needed) and
// the relay's tunnel to it; the relay peer may send rate requests a
// minute.
func loadBox(t *testing.T, ctx context.Context, rate int) (*box, *relay.Box) {
	dir := t.TempDir()
	console := &scriptedConsole{}
	k := softKey(t, dir, console)
	relayPriv, _ := wgintake.GenerateKey()
	b := startBox(t, ctx, dir, k, console, nil, relayPriv.Public())
	b.intake(t, ctx, fmt.Sprintf(`{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2", "rate_per_minute": %d}`, relayPriv.Public(), rate))
	return b, relayTunnel(t, relayPriv, b.pub, b.port)
}

// 200 sign requests from the relay's peer, 32 at a time, while the
// scripted console approves each in 2 ms: every one is signed once, busy
// answers are retried, and the console queue never exceeds its bound.
func TestLoadThroughTunnel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const n, workers = 200, 32
	b, rb := loadBox(t, ctx, 10000)
	b.console.delay = 2 * time.Millisecond

	var maxQueue, busy atomic.Int64
	stopWatch := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopWatch:
				return
			case <-time.After(time.Millisecond):
			}
			if q := int64(b.svc.QueueLength()); q > maxQueue.Load() {
				maxQueue.Store(q)
			}
		}
	}()
	keys := make([]tka.NodeKey, n)
	for i := range keys {
		rand.Read(keys[i][:])
	}
	sigs := make([]string, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				req := &api.Request{ID: fmt.Sprintf("load-%03d", i), Kind: api.KindSignNode, NodeKey: keys[i].String()}
				for ctx.Err() == nil {
					resp, err := rb.Ask(ctx, req)
					if err == nil && resp.Status == api.StatusBusy {
						busy.Add(1)
						time.Sleep(20 * time.Millisecond)
						continue
					}
					if err != nil || resp.Status != api.StatusSigned {
						t.Errorf("request %s: %v %+v", req.ID, err, resp)
						break
					}
					sigs[i] = resp.Signature
					break
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(stopWatch)
	elapsed := time.Since(start)

	auth := b.svc.Authority()
	for i, s := range sigs {
		sig, err := hex.DecodeString(s)
		if err != nil || auth.NodeKeyAuthorized(keys[i], sig) != nil {
			t.Fatalf("request load-%03d: no valid signature (%v)", i, err)
		}
	}
	issued := map[string]int{}
	b.journal.Scan(func(r signer.Record) error {
		if r.Type == signer.RecIssued {
			issued[r.RequestID]++
		}
		return nil
	})
	if len(issued) != n {
		t.Errorf("%d requests issued, want %d", len(issued), n)
	}
	for id, c := range issued {
		if c != 1 {
			t.Errorf("%s issued %d times", id, c)
		}
	}
	if q := maxQueue.Load(); q > int64(signer.DefaultPolicy.QueueSize) {
		t.Errorf("the console queue reached %d, over its bound %d", q, signer.DefaultPolicy.QueueSize)
	}
	// Everything again: the first answers, no new review.
	seen := b.console.seen
	for i := range n {
		resp, err := rb.Ask(ctx, &api.Request{ID: fmt.Sprintf("load-%03d", i), Kind: api.KindSignNode, NodeKey: keys[i].String()})
		if err != nil || resp.Signature != sigs[i] {
			t.Fatalf("replaying load-%03d: %v %+v", i, err, resp)
		}
	}
	if b.console.seen != seen {
		t.Errorf("replays reached the console %d times", b.console.seen-seen)
	}
	t.Logf("FIGURE e2e_load_requests %d requests", n)
	t.Logf("FIGURE e2e_load_total %.2f s", elapsed.Seconds())
	t.Logf("FIGURE e2e_load_rate %.1f requests/s", float64(n)/elapsed.Seconds())
	t.Logf("FIGURE e2e_load_busy_answers %d answers", busy.Load())
	t.Logf("FIGURE e2e_load_max_queue %d requests", maxQueue.Load())
}

// initiation makes a WireGuard handshake initiation (148 bytes) from a
// random key. With mac1 it carries a valid MAC for the box's public key
// (what a sender who knows the key can make); without, random bytes.
func initiation(boxPub wgintake.Key, mac1 bool) []byte {
	m := make([]byte, 148)
	rand.Read(m)
	binary.LittleEndian.PutUint32(m[:4], 1)
	if mac1 {
		k := blake2s.Sum256(append([]byte("mac1----"), boxPub[:]...))
		h, _ := blake2s.New128(k[:])
		h.Write(m[:116])
		copy(m[116:132], h.Sum(nil))
		clear(m[132:])
	}
	return m
}

// flood sends initiations from random keys to the box's port from 4
// sockets until d passes or max are sent, and counts what comes back by
// message type.
func flood(t *testing.T, boxPub wgintake.Key, port int, mac1 bool, d time.Duration, max int) (sent int64, replies map[byte]int) {
	var count atomic.Int64
	var mu sync.Mutex
	replies = map[byte]int{}
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for range 4 {
		c, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				c.SetReadDeadline(time.Now().Add(time.Until(end) + 500*time.Millisecond))
				n, err := c.Read(buf)
				if errors.Is(err, net.ErrClosed) || err != nil && time.Now().After(end.Add(400*time.Millisecond)) {
					return
				}
				if err == nil && n > 0 {
					mu.Lock()
					replies[buf[0]]++
					mu.Unlock()
				}
			}
		}()
		go func() {
			defer wg.Done()
			for time.Now().Before(end) && count.Add(1) <= int64(max) {
				c.Write(initiation(boxPub, mac1))
			}
			time.Sleep(600 * time.Millisecond)
			c.Close()
		}()
	}
	wg.Wait()
	return min(count.Load(), int64(max)), replies
}

// latencies times k status requests from the allowed peer.
func latencies(t *testing.T, ctx context.Context, rb *relay.Box, k int) []time.Duration {
	out := make([]time.Duration, 0, k)
	for range k {
		t0 := time.Now()
		if _, err := rb.Status(ctx); err != nil {
			t.Fatalf("the allowed peer's status request: %v", err)
		}
		out = append(out, time.Since(t0))
	}
	slices.Sort(out)
	return out
}

// Unknown peers flooding the box's UDP port get no answer, and the
// allowed peer keeps being served (its latency is reported, not
// asserted).
func TestUnknownPeerFlood(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, rb := loadBox(t, ctx, 0)
	latencies(t, ctx, rb, 5) // handshake and warm-up
	quiet := latencies(t, ctx, rb, 50)

	var under []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(200 * time.Millisecond)
		under = latencies(t, ctx, rb, 50)
	}()
	sent, replies := flood(t, b.pub, b.port, false, 3*time.Second, 300000)
	<-done
	if len(replies) != 0 {
		t.Errorf("random initiations got answers: %v (by message type)", replies)
	}
	// With a valid mac1 (the sender knows the box's public key),
	// WireGuard may answer with cookie replies (type 3) when under load,
	// never with a handshake response (type 2).
	sentMAC, repliesMAC := flood(t, b.pub, b.port, true, 2*time.Second, 100000)
	if repliesMAC[2] != 0 {
		t.Errorf("an unknown key got %d handshake responses", repliesMAC[2])
	}
	if _, err := rb.Status(ctx); err != nil {
		t.Fatalf("the allowed peer after the flood: %v", err)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	t.Logf("FIGURE e2e_flood_packets %d packets", sent)
	t.Logf("FIGURE e2e_flood_replies %d packets", len(replies))
	t.Logf("FIGURE e2e_flood_mac1_packets %d packets", sentMAC)
	t.Logf("FIGURE e2e_flood_mac1_cookie_replies %d packets", repliesMAC[3])
	t.Logf("FIGURE e2e_status_p50_quiet %.2f ms", ms(quiet[len(quiet)/2]))
	t.Logf("FIGURE e2e_status_p95_quiet %.2f ms", ms(quiet[len(quiet)*95/100]))
	t.Logf("FIGURE e2e_status_p50_flood %.2f ms", ms(under[len(under)/2]))
	t.Logf("FIGURE e2e_status_p95_flood %.2f ms", ms(under[len(under)*95/100]))
}
