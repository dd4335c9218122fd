package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"tailscale.com/client/local"
	"tailscale.com/ipn/ipnstate"
	"tailscale.com/tailcfg"
	tstka "tailscale.com/tka"
	"tailscale.com/tstest/integration/testcontrol"
	"tailscale.com/types/key"

	"github.com/signetbox/signet/daemon"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/testrig"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// scriptedConsole stands in for the operator at the box's console.
//
// NOTE(e2e): SCRIPTED APPROVAL. The real console (signer.Console on a
// tty) is driven through tmux in signer's and cmd/signet's tests; here the
// Prompt seam of signer.Service answers, so everything else (validation,
// journal, key, release) is the real workflow. It approves every request
// unless its ID is in deny, after delay.
type scriptedConsole struct {
	mu    sync.Mutex
	seen  int
	byID  map[string]int
	deny  map[string]bool // request IDs to deny
	delay time.Duration   // how long the "operator" takes per review
}

func (c *scriptedConsole) Confirm(ctx context.Context, r signer.Review) (signer.Decision, error) {
	c.mu.Lock()
	c.seen++
	if c.byID == nil {
		c.byID = map[string]int{}
	}
	c.byID[r.ID]++
	deny, delay := c.deny[r.ID], c.delay
	c.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return signer.Decision{Outcome: signer.OutcomeTimeout}, nil
		}
	}
	if deny {
		return signer.Decision{Outcome: signer.OutcomeDenied, Operator: "e2e script"}, nil
	}
	return signer.Decision{Outcome: signer.OutcomeApproved, Operator: "e2e script"}, nil
}

// reviews is how often the console was shown request id.
func (c *scriptedConsole) reviews(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// denyID makes the console deny request id.
func (c *scriptedConsole) denyID(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deny == nil {
		c.deny = map[string]bool{}
	}
	c.deny[id] = true
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
	priv    wgintake.Key
	pub     wgintake.Key
	port    int
	stop    context.CancelFunc
}

func softKey(t *testing.T, dir string, p hsm.PINPrompt) hsm.Key {
	ctx := context.Background()
	testrig.CheapKDF()
	path := statedir.Path(dir, statedir.SoftKey)
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

// startBox bootstraps the box's chain from the tailnet's genesis AUM (or,
// with genesis nil, makes an authority trusting the box's key alone) and
// serves the API to one WireGuard peer, the relay.
func startBox(t *testing.T, ctx context.Context, dir string, key hsm.Key, console *scriptedConsole, genesis []byte, relayPub wgintake.Key) *box {
	st, err := signer.OpenChainStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if genesis != nil {
		g, err := tka.DecodeAUM(genesis)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tka.Bootstrap(st, g); err != nil {
			t.Fatalf("bootstrapping the box from the tailnet's genesis: %v", err)
		}
	} else {
		state := tka.State{Keys: []tka.Key{tka.NewEd25519Key(key.PublicKey(), 1)},
			DisablementValues: [][]byte{tka.DisablementKDF([]byte("e2e disablement"))}, StateID1: 1, StateID2: 2}
		if _, _, err := tka.Create(ctx, st, state, key); err != nil {
			t.Fatal(err)
		}
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
	b := &box{svc: svc, journal: j, console: console, priv: priv, pub: priv.Public(), port: freeUDPPort(t)}
	b.intake(t, ctx, fmt.Sprintf(`{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2"}`, relayPub))
	return b
}

// intake (re)starts the box's WireGuard intake with the peers given (JSON
// objects, comma-separated), through the code "signet serve --wireguard"
// runs (daemon.ServeWireGuard).
func (b *box) intake(t *testing.T, ctx context.Context, peers string) {
	if b.tun != nil {
		b.stop()
		b.tun.Close()
	}
	cfg, err := wgintake.ParseConfig(fmt.Appendf(nil, `{"listen_address": "127.0.0.1", "listen_port": %d, "address": "10.77.0.1", "peers": [%s]}`, b.port, peers))
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	in, err := daemon.ServeWireGuard(sctx, io.Discard, b.svc, b.priv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	b.tun, b.stop = in.Tunnel, cancel
}

// records lists the journal's record types for request id.
func (b *box) records(id string) []signer.RecordType {
	var types []signer.RecordType
	b.journal.Scan(func(r signer.Record) error {
		if r.RequestID == id {
			types = append(types, r.Type)
		}
		return nil
	})
	return types
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
	return relay.NewBox(relayTun(t, priv, boxPub, boxPort), netip.MustParseAddrPort("10.77.0.1:80"))
}

// relayTun brings up the relay's WireGuard device with the box as peer.
func relayTun(t *testing.T, priv wgintake.Key, boxPub wgintake.Key, boxPort int) *wgintake.Tunnel {
	cfg, err := wgintake.ParseConfig(fmt.Appendf(nil, `{"listen_address": "127.0.0.1", "listen_port": 0, "address": "10.77.0.2",
		"peers": [{"name": "box", "public_key": %q, "tunnel_ip": "10.77.0.1", "endpoint": "127.0.0.1:%d"}]}`, boxPub, boxPort))
	if err != nil {
		t.Fatal(err)
	}
	tun, err := wgintake.Up(priv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tun.Close)
	return tun
}

// world is a tailnet with Tailnet Lock trusting node1's and the box's
// keys, the box, and the relay's tunnel to it.
type world struct {
	control    *testcontrol.Server
	controlURL string
	n1, rn     *node
	lc1        *local.Client
	console    *scriptedConsole
	boxKey     hsm.Key
	box        *box
	relayPriv  wgintake.Key
	boxWG      *relay.Box
	log        []ipnstate.NetworkLockUpdate // node1's lock log, newest first
	watch      *relayWatch                  // the relay's metrics and notices (runRelay)
}

// newWorld brings up control, node1, node2 and the relay's tsnet node,
// initialises Tailnet Lock on node1 and starts the box.
func newWorld(t *testing.T, ctx context.Context) *world {
	w := &world{console: &scriptedConsole{}}
	boxDir := t.TempDir()
	w.boxKey = softKey(t, boxDir, w.console)
	w.startLockedTailnet(t, ctx, w.boxKey.PublicKey())
	w.relayPriv, _ = wgintake.GenerateKey()
	w.box = startBox(t, ctx, boxDir, w.boxKey, w.console, w.log[len(w.log)-1].Raw, w.relayPriv.Public())
	w.boxWG = relayTunnel(t, w.relayPriv, w.box.pub, w.box.port)
	return w
}

// startLockedTailnet brings up control, node1, node2 and the relay's
// tsnet node, initialises Tailnet Lock on node1 trusting node1's own lock
// key (it must be) and boxPub, waits until the relay's node is signed,
// and reads node1's lock log into w.log.
func (w *world) startLockedTailnet(t *testing.T, ctx context.Context, boxPub []byte) {
	start := time.Now()
	w.controlURL, w.control = startControl(t)
	w.n1 = startNode(t, ctx, w.controlURL, "node1")
	startNode(t, ctx, w.controlURL, "node2")
	w.rn = startNode(t, ctx, w.controlURL, "relay")
	t.Logf("tailnet of 3 nodes up in %v", time.Since(start))

	w.lc1, _ = w.n1.ts.LocalClient()
	st1, err := w.lc1.NetworkLockStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	keys := []tstka.Key{
		{Kind: tstka.Key25519, Votes: 1, Public: st1.PublicKey.Verifier()},
		{Kind: tstka.Key25519, Votes: 1, Public: boxPub},
	}
	if _, err := w.lc1.NetworkLockInit(ctx, keys, [][]byte{tstka.DisablementKDF(secret)}, nil); err != nil {
		t.Fatalf("tailnet lock init: %v", err)
	}
	wakeAll(w.control)
	lcR, _ := w.rn.ts.LocalClient()
	eventually(t, 30*time.Second, "the relay to see tailnet lock enabled and itself signed", func() bool {
		st, err := lcR.NetworkLockStatus(ctx)
		return err == nil && st.Enabled && st.NodeKeySigned
	})
	w.log, err = w.lc1.NetworkLockLog(ctx, 10)
	if err != nil || len(w.log) == 0 {
		t.Fatalf("reading the lock log: %v (%d entries)", err, len(w.log))
	}
}

// runRelay runs the relay in this process on the relay's tsnet node.
func (w *world) runRelay(t *testing.T, ctx context.Context) *relay.Queue {
	q, err := relay.OpenQueue(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := relay.New(w.rn.ts, w.boxWG, q, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	r.Poll = 200 * time.Millisecond
	w.watch = w.watchRelay(t, ctx, r)
	rctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go r.Run(rctx)
	return q
}

// ping sends a TSMP ping from lc to ip. LocalClient.Ping reports a ping
// that got no answer in PingResult.Err, not as its error.
func ping(ctx context.Context, lc *local.Client, ip netip.Addr, d time.Duration) error {
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	pr, err := lc.Ping(pctx, ip, tailcfg.PingTSMP)
	if err != nil {
		return err
	}
	if pr.Err != "" {
		return errors.New(pr.Err)
	}
	return nil
}

// filtered reports whether node1 sees nk as a locked-out peer.
func (w *world) filtered(ctx context.Context, nk key.NodePublic) bool {
	st, err := w.lc1.NetworkLockStatus(ctx)
	if err != nil {
		return true
	}
	for _, p := range st.FilteredPeers {
		if p.NodeKey == nk {
			return true
		}
	}
	return false
}

func TestRelayDeliversBoxSignature(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	w := newWorld(t, ctx)
	q := w.runRelay(t, ctx)
	controlURL, control, lc1, b := w.controlURL, w.control, w.lc1, w.box

	// A new node joins and is locked out; the relay asks the box, the
	// (scripted) console approves after a second (the watch sees the
	// node wait), the relay delivers to control.
	w.console.delay = time.Second
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
		return !w.filtered(ctx, n3.key)
	})
	eventually(t, 30*time.Second, "node1 to ping node3", func() bool {
		return ping(ctx, lc1, n3.ip, 2*time.Second) == nil
	})

	// The box journaled received, decision, issued, released, delivered.
	types := b.records(id)
	want := []signer.RecordType{signer.RecReceived, signer.RecDecision, signer.RecIssued, signer.RecReleased, signer.RecDelivered}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("journal for %s = %v, want %v", id, types, want)
	}
	j, _ := q.Get(id)
	w.watch.checkSignatureDelivered(t, ctx, n3.key, j.Signature)
	w.watch.checkNotOnHost(t)
	w.watch.checkBoxOutage(t, ctx, w)
	t.Logf("FIGURE e2e_relay_total %.1f s", time.Since(start).Seconds())
}
