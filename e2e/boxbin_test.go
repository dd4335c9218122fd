package e2e

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/testrig"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// binWorld is a tailnet with Tailnet Lock trusting node1's key and the
// key of a box run as the real `signet serve` binary (not yet started),
// and the relay's tsnet node with its tunnel to that box.
type binWorld struct {
	*world
	bp     *boxProc
	boxTun *wgintake.Tunnel // the relay's side of the tunnel to the box
}

// newBinWorld brings up control, node1, node2 and the relay's node,
// provisions the box's swtpm key, initialises Tailnet Lock on node1
// trusting it and bootstraps the box's chain from the tailnet's genesis.
func newBinWorld(t *testing.T, ctx context.Context) *binWorld {
	needTools(t)
	t0 := time.Now()
	bin := testenv.BuildSignet(t)
	t.Logf("built signet in %v", time.Since(t0))
	bp := newBoxProc(t, bin)

	w := &world{}
	w.startLockedTailnet(t, ctx, bp.pub)
	bp.bootstrap(w.log[len(w.log)-1].Raw)
	w.relayPriv, _ = wgintake.GenerateKey()
	bp.allowRelay(w.relayPriv.Public())
	tun := relayTun(t, w.relayPriv, bp.wgPub, bp.port)
	w.boxWG = relay.NewBox(tun, netip.MustParseAddrPort("10.77.0.1:80"))
	return &binWorld{world: w, bp: bp, boxTun: tun}
}

// The box as the real binary: `signet serve --wireguard` on a swtpm key
// with its console in tmux. A new node is locked out; the in-process
// relay asks the box through the WireGuard intake; the request shows on
// the console, the test reads its code off the screen and types it (and
// the TPM PIN when asked); the relay delivers and node3 becomes reachable.
func TestBoxBinaryApprovesInTmux(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	w := newBinWorld(t, ctx)
	bp := w.bp
	t0 := time.Now()
	bp.launch(false)
	t.Logf("signet serve up in tmux in %v", time.Since(t0))
	q := w.runRelay(t, ctx)

	t0 = time.Now()
	n3 := startNode(t, ctx, w.controlURL, "node3")
	wakeAll(w.control)
	id := relay.JobID(n3.key)
	if !w.filtered(ctx, n3.key) {
		t.Fatal("node3 must be locked out before the box signs it")
	}
	scr := bp.waitScreen(60*time.Second, id, "Approval code:")
	for _, want := range []string{"wireguard:relay", "node3", strings.TrimPrefix(n3.key.String(), "nodekey:")[:16]} {
		if !strings.Contains(scr, want) {
			t.Errorf("the console does not show %q:\n%s", want, scr)
		}
	}
	m := codeRE.FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no approval code on the console:\n%s", scr)
	}
	t.Logf("request on the console %v after node3 joined", time.Since(t0))
	if err := testrig.TmuxType(bp.session, m[1]); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "the relay to deliver node3's signature and the box to journal it", func() bool {
		wakeAll(w.control)
		j, ok := q.Get(id)
		return ok && j.State == relay.StateDone
	})
	t.Logf("approved on the console -> signed on the TPM -> delivered -> reported in %v", time.Since(t0))
	eventually(t, 30*time.Second, "node1 to see node3 as signed", func() bool {
		wakeAll(w.control)
		return !w.filtered(ctx, n3.key)
	})
	eventually(t, 30*time.Second, "node1 to ping node3", func() bool {
		return ping(ctx, w.lc1, n3.ip, 2*time.Second) == nil
	})
	t.Logf("node3 locked out -> reachable in %v", time.Since(t0))
	if n := bp.op.PINs(); n != 1 {
		t.Errorf("the TPM PIN was asked %d times, want 1 (one signature)", n)
	}

	// An AUM the box makes: `signet add` at the box's shell, approved on
	// the console (the operator now types each code it reads); the relay
	// finds it in the box's outbox and submits it, and the nodes trust the
	// new key.
	bp.op.SetPolicy(testrig.ApproveAll)
	newPub, _, _ := ed25519.GenerateKey(nil)
	const addID = "add-from-shell"
	t0 = time.Now()
	if out, err := bp.signet("add", tka.FormatTLPub(newPub), "--id", addID, "--socket", filepath.Join(bp.dir, "signet.sock")); err != nil {
		t.Fatalf("signet add: %v\n%s", err, out)
	}
	eventually(t, 60*time.Second, "the relay to deliver the box's AUM", func() bool {
		j, ok := q.Get("aum/" + addID)
		return ok && j.State == relay.StateDone
	})
	eventually(t, 30*time.Second, "node1 to trust the key the box added", func() bool {
		wakeAll(w.control)
		return trusts(ctx, w.lc1, newPub)
	})
	t.Logf("FIGURE e2e_box_binary_add_key %.2f s (signet add -> console -> TPM -> relay -> every node trusts it)", time.Since(t0).Seconds())

	bp.stop()
	types := bp.journalRecords()[id]
	want := []signer.RecordType{signer.RecReceived, signer.RecDecision, signer.RecIssued, signer.RecReleased, signer.RecDelivered}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("journal for %s = %v, want %v", id, types, want)
	}
	if types := bp.journalRecords()[addID]; fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("journal for %s = %v, want %v", addID, types, want)
	}
	if out, err := bp.signet("journal", "verify"); err != nil {
		t.Errorf("signet journal verify: %v\n%s", err, out)
	}
	t.Logf("FIGURE e2e_box_binary_total %.1f s", time.Since(start).Seconds())
}
