// Command signet-relay connects a signet box to a tailnet: it runs as a
// tailnet node (tsnet), reaches the box through the box's WireGuard
// intake, asks the box to sign locked-out nodes, forwards new AUMs to the
// box, and delivers what the box signed. See docs/relay.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"tailscale.com/tsnet"

	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/wgintake"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "signet-relay: error: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "/var/lib/signet-relay", "state `DIR`: tsnet state, wg.key, queue.json")
	hostname := flag.String("hostname", "signet-relay", "tailnet `NAME` of this node")
	control := flag.String("control-url", "", "control server `URL` (default: Tailscale's)")
	authKeyFile := flag.String("auth-key-file", "", "read a pre-auth key from `FILE` (first start only)")
	wgConf := flag.String("wireguard", "", "WireGuard `FILE`: this relay's tunnel address and the box as its one peer")
	keygen := flag.Bool("keygen", false, "make DIR/wg.key, print its public key, and exit")
	flag.Parse()
	if *keygen {
		k, err := wgintake.WritePrivateKey(filepath.Join(*dir, "wg.key"))
		if err != nil {
			return err
		}
		fmt.Println(k.Public())
		return nil
	}
	if *wgConf == "" {
		return errors.New("--wireguard is required (see docs/relay.md)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	box, closeTun, err := openBox(*dir, *wgConf)
	if err != nil {
		return err
	}
	defer closeTun()
	ts := &tsnet.Server{Dir: filepath.Join(*dir, "tsnet"), Hostname: *hostname, ControlURL: *control, Logf: func(string, ...any) {}}
	if *authKeyFile != "" {
		b, err := os.ReadFile(*authKeyFile)
		if err != nil {
			return fmt.Errorf("reading the auth key: %w", err)
		}
		ts.AuthKey = strings.TrimSpace(string(b))
	}
	defer ts.Close()
	if _, err := ts.Up(ctx); err != nil {
		return fmt.Errorf("joining the tailnet: %w", err)
	}
	q, err := relay.OpenQueue(*dir)
	if err != nil {
		return err
	}
	r, err := relay.New(ts, box, q, log.Printf)
	if err != nil {
		return err
	}
	return r.Run(ctx)
}

// openBox brings up the tunnel to the box: the config's first peer is
// the box, and the API is at its tunnel_ip, port api_port.
func openBox(dir, cfgPath string) (*relay.Box, func(), error) {
	cfg, err := wgintake.LoadConfig(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	if len(cfg.Peers) != 1 {
		return nil, nil, fmt.Errorf("%s: peers must list exactly the box, not %d peers", cfgPath, len(cfg.Peers))
	}
	priv, err := wgintake.ReadPrivateKey(filepath.Join(dir, "wg.key"))
	if err != nil {
		return nil, nil, err
	}
	tun, err := wgintake.Up(priv, cfg)
	clear(priv[:])
	if err != nil {
		return nil, nil, err
	}
	addr := netip.AddrPortFrom(cfg.Peers[0].TunnelIP, uint16(cfg.APIPort))
	return relay.NewBox(tun, addr), tun.Close, nil
}
