package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/signer"
)

// signet-relay as a child process, killed with SIGKILL at random points
// while it asks and delivers, restarted each time: every approved
// signature reaches the tailnet and the box journals one "delivered" per
// request.
func TestRelayKill9(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := testenv.Build(t, "cmd/signet-relay")
	w := newWorld(t, ctx)
	dir := t.TempDir()
	pub, err := exec.Command(bin, "--keygen", "--dir", dir).Output()
	if err != nil {
		t.Fatalf("signet-relay --keygen: %v", err)
	}
	w.box.intake(t, ctx, fmt.Sprintf(`{"name": "relay", "public_key": %q, "tunnel_ip": "10.77.0.2", "rate_per_minute": 1000}`, strings.TrimSpace(string(pub))))
	wgConf := filepath.Join(dir, "wg.json")
	os.WriteFile(wgConf, fmt.Appendf(nil, `{"listen_address": "127.0.0.1", "listen_port": 0, "address": "10.77.0.2", "peers": [{"name": "box",
		"public_key": %q, "tunnel_ip": "10.77.0.1", "endpoint": "127.0.0.1:%d"}]}`, w.box.pub, w.box.port), 0o600)

	var ids []string
	var nodes []*node
	join := func(i int) {
		n := startNode(t, ctx, w.controlURL, fmt.Sprintf("locked%d", i))
		nodes = append(nodes, n)
		ids = append(ids, relay.JobID(n.key))
		wakeAll(w.control)
	}
	logf, _ := os.Create(filepath.Join(dir, "relay.log"))
	defer logf.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--dir", dir, "--hostname", "relay2", "--control-url", w.controlURL, "--wireguard", wgConf)
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	delivered := func() map[string]int {
		m := map[string]int{}
		w.box.journal.Scan(func(r signer.Record) error {
			if r.Type == signer.RecDelivered {
				m[r.RequestID]++
			}
			return nil
		})
		return m
	}
	// Five kill cycles; a new node is locked out at each, so the kills
	// land while the relay asks, delivers or reports.
	kills := 0
	for i := range 5 {
		join(i)
		cmd := start()
		time.Sleep(time.Duration(100+rand.IntN(1500)) * time.Millisecond)
		wakeAll(w.control)
		cmd.Process.Kill()
		cmd.Wait()
		kills++
		t.Logf("kill %d: %d of %d deliveries journaled", kills, len(delivered()), len(ids))
	}
	cmd := start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	eventually(t, 90*time.Second, "every node's delivery journaled", func() bool {
		wakeAll(w.control)
		return len(delivered()) == len(ids)
	})
	time.Sleep(3 * time.Second) // a restarted relay may report again: harmless
	d := delivered()
	for _, id := range ids {
		if d[id] != 1 {
			t.Errorf("%s: %d delivered records, want 1", id, d[id])
		}
		if n := w.console.reviews(id); n != 1 {
			t.Errorf("%s reached the console %d times", id, n)
		}
	}
	for _, n := range nodes {
		eventually(t, 30*time.Second, "node1 to see "+n.ts.Hostname+" signed", func() bool {
			wakeAll(w.control)
			return !w.filtered(ctx, n.key)
		})
	}
	t.Logf("FIGURE e2e_relay_kill9_kills %d kills", kills)
}
