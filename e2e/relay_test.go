package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"tailscale.com/tailcfg"
	tstka "tailscale.com/tka"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// scriptedConsole stands in for the operator at the box's console.
//
// NOTE(e2e): SCRIPTED APPROVAL. The real console (signer.Console on a
// tty) is driven through tmux in signer's and cmd/signet's tests; here the
// Prompt seam of signer.Service answers, so everything else (validation,
// journal, key, release) is the real workflow. It approves every request
// unless its node key is in deny.
type scriptedConsole struct {
	mu   sync.Mutex
	seen int
}

func (c *scriptedConsole) Confirm(ctx context.Context, r signer.Review) (signer.Decision, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen++
	return signer.Decision{Outcome: signer.OutcomeApproved, Operator: "e2e script"}, nil
}
func (c *scriptedConsole) Notify(string) {}
func (c *scriptedConsole) PIN(context.Context, string) ([]byte, error) {
	return []byte("e2e test passphrase"), nil
}

// box is a signet box: a real signer.Service on a soft key, serving its
// API through a WireGuard intake on 127.0.0.1.
type box struct {
	svc     *signer.Service
	journal *signer.Journal
	console *scriptedConsole
	tun     *wgintake.Tunnel
	pub     wgintake.Key
	port    int
}

func softKey(t *testing.T, dir string, p hsm.PINPrompt) hsm.Key {
	ctx := context.Background()
	path := filepath.Join(dir, "key.soft")
	if _, err := soft.Create(ctx, path, p); err != nil {
		t.Fatal(err)
	}
	k, err := soft.Open(ctx, path, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// startBox bootstraps the box's chain from the tailnet's genesis AUM and
// serves the API to one WireGuard peer, the relay.
func startBox(t *testing.T, ctx context.Context, dir string, key hsm.Key, console *scriptedConsole, genesis []byte, relayPub wgintake.Key) *box {
	st, err := signer.OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g, err := tka.DecodeAUM(genesis)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tka.Bootstrap(st, g); err != nil {
		t.Fatalf("bootstrapping the box from the tailnet's genesis: %v", err)
	}
	j, err := signer.OpenJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	svc, err := signer.NewService(signer.Config{Store: st, Key: key, Prompt: console, Journal: j, Insecure: true, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	priv, _ := wgintake.GenerateKey()
	port := freeUDPPort(t)
	cfg, err := wgintake.ParseConfig(fmt.Appendf(nil, `{"listen_port": %d, "address": "10.77.0.1",
		"peers": [{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2"}]}`, port, relayPub))
	if err != nil {
		t.Fatal(err)
	}
	tun, err := wgintake.Up(priv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tun.Close)
	l, err := tun.Listen()
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go svc.ServeNet(sctx, l, tun.PeerName)
	return &box{svc: svc, journal: j, console: console, tun: tun, pub: priv.Public(), port: port}
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// relayTunnel is the relay's side of the WireGuard tunnel to the box.
func relayTunnel(t *testing.T, priv wgintake.Key, boxPub wgintake.Key, boxPort int) *relay.Box {
	cfg, err := wgintake.ParseConfig(fmt.Appendf(nil, `{"listen_port": 0, "address": "10.77.0.2",
		"peers": [{"name": "box", "public_key": %q, "tunnel_ip": "10.77.0.1", "endpoint": "127.0.0.1:%d"}]}`, boxPub, boxPort))
	if err != nil {
		t.Fatal(err)
	}
	tun, err := wgintake.Up(priv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tun.Close)
	return relay.NewBox(tun, netip.MustParseAddrPort("10.77.0.1:80"))
}

func TestRelayDeliversBoxSignature(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	controlURL, control := startControl(t)
	n1 := startNode(t, ctx, controlURL, "node1")
	n2 := startNode(t, ctx, controlURL, "node2")
	rn := startNode(t, ctx, controlURL, "relay")
	t.Logf("tailnet of 3 nodes up in %v", time.Since(start))

	// The box's key, and Tailnet Lock initialised on node1 trusting it
	// (node1's own lock key must be trusted too).
	boxDir := t.TempDir()
	console := &scriptedConsole{}
	boxKey := softKey(t, boxDir, console)
	lc1, _ := n1.ts.LocalClient()
	st1, err := lc1.NetworkLockStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	keys := []tstka.Key{
		{Kind: tstka.Key25519, Votes: 1, Public: st1.PublicKey.Verifier()},
		{Kind: tstka.Key25519, Votes: 1, Public: boxKey.PublicKey()},
	}
	if _, err := lc1.NetworkLockInit(ctx, keys, [][]byte{tstka.DisablementKDF(secret)}, nil); err != nil {
		t.Fatalf("tailnet lock init: %v", err)
	}
	wakeAll(control)
	lcR, _ := rn.ts.LocalClient()
	eventually(t, 30*time.Second, "the relay to see tailnet lock enabled and itself signed", func() bool {
		st, err := lcR.NetworkLockStatus(ctx)
		return err == nil && st.Enabled && st.NodeKeySigned
	})
	log, err := lc1.NetworkLockLog(ctx, 10)
	if err != nil || len(log) == 0 {
		t.Fatalf("reading the lock log: %v (%d entries)", err, len(log))
	}

	// The box, the relay's tunnel and the relay.
	relayPriv, _ := wgintake.GenerateKey()
	b := startBox(t, ctx, boxDir, boxKey, console, log[len(log)-1].Raw, relayPriv.Public())
	boxWG := relayTunnel(t, relayPriv, b.pub, b.port)
	q, err := relay.OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := relay.New(rn.ts, boxWG, q, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	r.Poll = 200 * time.Millisecond
	rctx, stopRelay := context.WithCancel(ctx)
	defer stopRelay()
	go r.Run(rctx)

	// A new node joins and is locked out; the relay asks the box, the
	// (scripted) console approves, the relay delivers to control.
	t0 := time.Now()
	n3 := startNode(t, ctx, controlURL, "node3")
	wakeAll(control)
	id := relay.JobID(n3.key)
	eventually(t, 60*time.Second, "the relay to deliver node3's signature and the box to journal it", func() bool {
		wakeAll(control)
		j, ok := q.Get(id)
		return ok && j.State == relay.StateDone
	})
	t.Logf("node3 locked out -> signed by the box -> delivered -> reported in %v", time.Since(t0))
	eventually(t, 30*time.Second, "node1 to see node3 as signed", func() bool {
		wakeAll(control)
		st, err := lc1.NetworkLockStatus(ctx)
		if err != nil {
			return false
		}
		for _, p := range st.FilteredPeers {
			if p.NodeKey == n3.key {
				return false
			}
		}
		return true
	})
	pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
	defer pcancel()
	var pingErr error
	eventually(t, 30*time.Second, "node1 to ping node3", func() bool {
		_, pingErr = lc1.Ping(pctx, n3.ip, tailcfg.PingTSMP)
		return pingErr == nil
	})
	_ = n2

	// The box journaled received, decision, issued, released, delivered.
	var types []signer.RecordType
	b.journal.Scan(func(r signer.Record) error {
		if r.RequestID == id {
			types = append(types, r.Type)
		}
		return nil
	})
	want := []signer.RecordType{signer.RecReceived, signer.RecDecision, signer.RecIssued, signer.RecReleased, signer.RecDelivered}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("journal for %s = %v, want %v", id, types, want)
	}
	t.Logf("FIGURE e2e_relay_total %.1f s", time.Since(start).Seconds())
}
