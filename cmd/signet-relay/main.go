// Command signet-relay connects a signet box to a tailnet: it runs as a
// tailnet node (tsnet), reaches the box through the box's WireGuard
// intake, asks the box to sign locked-out nodes, forwards new AUMs to the
// box, and delivers what the box signed. It can serve Prometheus metrics
// on its tailnet address and post events to a chat webhook. See
// docs/relay.md and signet-relay(1).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"tailscale.com/tsnet"

	"github.com/signetbox/signet/internal/relay"
	"github.com/signetbox/signet/internal/wgintake"
)

// Version is set by the Makefile (-ldflags -X main.Version=...).
var Version string

// options are signet-relay's flags.
type options struct {
	dir, hostname, control, authKeyFile, wgConf, notifyURLFile string
	metricsPort                                                int
	keygen, version                                            bool
}

// flags defines the command line on fs; the man page test walks it.
func flags(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.dir, "dir", "/var/lib/signet-relay", "state `DIR`: tsnet state, wg.key, queue.json")
	fs.StringVar(&o.hostname, "hostname", "signet-relay", "tailnet `NAME` of this node")
	fs.StringVar(&o.control, "control-url", "", "control server `URL` (default: Tailscale's)")
	fs.StringVar(&o.authKeyFile, "auth-key-file", "", "read a pre-auth key from `FILE` (first start only)")
	fs.StringVar(&o.wgConf, "wireguard", "", "WireGuard `FILE`: this relay's tunnel address and the box as its one peer")
	fs.IntVar(&o.metricsPort, "metrics-port", 0, "serve /metrics and /healthz on `PORT` of the relay's tailnet address (0: off)")
	fs.StringVar(&o.notifyURLFile, "notify-url-file", "", "post events to the webhook URL in `FILE` (the URL is a secret)")
	fs.BoolVar(&o.keygen, "keygen", false, "make DIR/wg.key, print its public key, and exit")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	return o
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "signet-relay: error: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	o := flags(flag.CommandLine)
	flag.Parse()
	if o.version {
		fmt.Println("signet-relay", version())
		return nil
	}
	if o.keygen {
		k, err := wgintake.WritePrivateKey(filepath.Join(o.dir, "wg.key"))
		if err != nil {
			return err
		}
		fmt.Println(k.Public())
		return nil
	}
	if o.wgConf == "" {
		return errors.New("--wireguard is required (see docs/relay.md)")
	}
	if o.metricsPort < 0 || o.metricsPort > 65535 {
		return fmt.Errorf("--metrics-port is %d; give a TCP port from 1 to 65535, or 0 for no metrics", o.metricsPort)
	}
	var notifyURL string
	if o.notifyURLFile != "" {
		b, err := os.ReadFile(o.notifyURLFile)
		if err != nil {
			return fmt.Errorf("reading the webhook URL: %w", err)
		}
		notifyURL = string(b)
		clear(b)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	box, closeTun, err := openBox(o.dir, o.wgConf)
	if err != nil {
		return err
	}
	defer closeTun()
	ts := &tsnet.Server{Dir: filepath.Join(o.dir, "tsnet"), Hostname: o.hostname, ControlURL: o.control, Logf: func(string, ...any) {}}
	if o.authKeyFile != "" {
		b, err := os.ReadFile(o.authKeyFile)
		if err != nil {
			return fmt.Errorf("reading the auth key: %w", err)
		}
		ts.AuthKey = strings.TrimSpace(string(b))
	}
	defer ts.Close()
	if _, err := ts.Up(ctx); err != nil {
		return fmt.Errorf("joining the tailnet: %w", err)
	}
	q, err := relay.OpenQueue(o.dir)
	if err != nil {
		return err
	}
	r, err := relay.New(ts, box, q, log.Printf)
	if err != nil {
		return err
	}
	if notifyURL != "" {
		if r.Notify, err = relay.NewNotifier(notifyURL, o.hostname, log.Printf); err != nil {
			return fmt.Errorf("--notify-url-file %s: %w", o.notifyURLFile, err)
		}
	}
	if o.metricsPort != 0 {
		ln, err := r.ListenMetrics(o.metricsPort)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
	}
	return r.Run(ctx)
}

// version is Version, else the module version, else "devel".
func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
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
