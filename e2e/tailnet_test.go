package e2e

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"tailscale.com/derp/derpserver"
	"tailscale.com/ipn/store/mem"
	"tailscale.com/net/netns"
	"tailscale.com/net/stun/stuntest"
	"tailscale.com/tailcfg"
	"tailscale.com/tsnet"
	"tailscale.com/tstest/integration/testcontrol"
	"tailscale.com/types/key"
	"tailscale.com/types/logger"
	"tailscale.com/types/nettype"
)

// startControl runs a DERP+STUN pair and a testcontrol server that
// grants the Tailnet Lock capability to every node, all on loopback, with
// the Tailnet Lock handling extendControl adds.
func startControl(t *testing.T) (string, *testcontrol.Server) {
	netns.SetEnabled(false)
	t.Cleanup(func() { netns.SetEnabled(true) })
	d := derpserver.New(key.NewNode(), logger.Discard)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ds := httptest.NewUnstartedServer(derpserver.Handler(d))
	ds.Listener.Close()
	ds.Listener = ln
	ds.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	ds.StartTLS()
	t.Cleanup(ds.Close)
	t.Cleanup(func() { d.Close() })
	stunAddr, stunStop := stuntest.ServeWithPacketListener(t, nettype.Std{})
	t.Cleanup(stunStop)
	derpMap := &tailcfg.DERPMap{Regions: map[int]*tailcfg.DERPRegion{1: {
		RegionID: 1, RegionCode: "test",
		Nodes: []*tailcfg.DERPNode{{Name: "t1", RegionID: 1, HostName: "127.0.0.1", IPv4: "127.0.0.1", IPv6: "none",
			STUNPort: stunAddr.Port, DERPPort: ln.Addr().(*net.TCPAddr).Port, InsecureForTests: true, STUNTestIP: "127.0.0.1"}},
	}}}
	caps := tailcfg.NodeCapMap{tailcfg.CapabilityTailnetLock: nil}
	control := &testcontrol.Server{DERPMap: derpMap, DNSConfig: &tailcfg.DNSConfig{Proxied: true},
		MagicDNSDomain: "tail-scale.ts.net", Logf: logger.Discard, DefaultNodeCapabilities: &caps}
	control.HTTPTestServer = httptest.NewUnstartedServer(control)
	control.HTTPTestServer.Start()
	t.Cleanup(control.HTTPTestServer.Close)
	extendControl(t, control)
	return control.HTTPTestServer.URL, control
}

// node is a tsnet node in the test tailnet.
type node struct {
	ts  *tsnet.Server
	ip  netip.Addr
	key key.NodePublic
}

func startNode(t *testing.T, ctx context.Context, controlURL, name string) *node {
	t.Helper()
	s := &tsnet.Server{Dir: filepath.Join(t.TempDir(), name), ControlURL: controlURL, Hostname: name,
		Store: new(mem.Store), Ephemeral: true, Logf: logger.Discard}
	t.Cleanup(func() { s.Close() })
	st, err := s.Up(ctx)
	if err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	return &node{ts: s, ip: st.TailscaleIPs[0], key: st.Self.PublicKey}
}

// wakeAll makes control send every node a new map (tailnet lock init
// and signatures do not wake the map polls in testcontrol).
func wakeAll(control *testcontrol.Server) {
	for _, n := range control.AllNodes() {
		control.UpdateNode(n)
	}
}

// eventually polls cond every 100 ms until it holds or d passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
