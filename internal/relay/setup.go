package relay

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tailscale.com/envknob"
	"tailscale.com/tsnet"

	"github.com/signetbox/signet/internal/httpserve"
	"github.com/signetbox/signet/internal/wgintake"
)

// keyFile is the relay's WireGuard private key in its state directory.
const keyFile = "wg.key"

// ErrNoKey means the state directory holds no WireGuard key yet: the
// relay's key is made once, by [Keygen], and its public half given to
// the box's intake.
var ErrNoKey = errors.New("no WireGuard key")

// Options are signet-relay's settings, as its command line gives them.
type Options struct {
	// Dir holds the relay's state: tsnet/, wg.key and queue.json.
	Dir string
	// Hostname is the relay's name on the tailnet.
	Hostname string
	// ControlURL is the control server; empty means Tailscale's.
	ControlURL string
	// AuthKeyFile, if set, holds a pre-auth key for the first start.
	AuthKeyFile string
	// WireGuard is the tunnel config: the relay's tunnel address and the
	// box as its one peer.
	WireGuard string
	// MetricsPort, if not 0, is the port of /metrics and /healthz on the
	// relay's tailnet address.
	MetricsPort int
	// NotifyURLFile, if set, holds the webhook URL notices go to.
	NotifyURLFile string
	// NoLogsNoSupport stops the tsnet node from uploading its logs to
	// Tailscale's log service, as tailscaled --no-logs-no-support does.
	NoLogsNoSupport bool
}

// Setup is what the relay needs to start, read from the files its
// [Options] name and checked. Make one with [Load]; [Setup.Serve] runs
// it once.
type Setup struct {
	opts    Options
	wg      *wgintake.Config
	authKey string
	notify  *Notifier
	queue   *Queue
	// key is the WireGuard private key; Serve wipes it once the tunnel
	// holds it.
	key wgintake.Key
}

// Load reads and checks every file o names (the tunnel config, the
// pre-auth key, the webhook URL, the queue and the WireGuard key) before
// anything starts, so that a mistake in any of them is reported before
// the relay opens a socket or joins the tailnet. logf receives the
// notifier's log lines.
//
// Errors name the file and what is wrong with it, never a secret: not
// the pre-auth key, the webhook URL or the WireGuard key.
func Load(o Options, logf func(string, ...any)) (*Setup, error) {
	s := &Setup{opts: o}
	var err error
	if s.wg, err = loadTunnel(o.WireGuard); err != nil {
		return nil, err
	}
	if o.AuthKeyFile != "" {
		if s.authKey, err = readAuthKey(o.AuthKeyFile); err != nil {
			return nil, err
		}
	}
	if o.NotifyURLFile != "" {
		if s.notify, err = loadNotifier(o.NotifyURLFile, o.Hostname, logf); err != nil {
			return nil, err
		}
	}
	if s.queue, err = OpenQueue(o.Dir); err != nil {
		return nil, err
	}
	// Last, so that no error path after it holds the key.
	if s.key, err = readKey(o.Dir); err != nil {
		return nil, err
	}
	return s, nil
}

// loadTunnel reads the tunnel config; its peers must be exactly the box.
func loadTunnel(path string) (*wgintake.Config, error) {
	cfg, err := wgintake.LoadConfig(path)
	if err != nil {
		return nil, err
	}
	if len(cfg.Peers) != 1 {
		return nil, fmt.Errorf("%s: peers must list exactly the box, not %d peers", path, len(cfg.Peers))
	}
	return cfg, nil
}

// readAuthKey reads a pre-auth key file.
func readAuthKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the auth key: %w", err)
	}
	defer clear(b)
	k := strings.TrimSpace(string(b))
	if k == "" {
		return "", fmt.Errorf("the auth key file %s is empty; put the tailnet's pre-auth key in it", path)
	}
	return k, nil
}

// loadNotifier reads the webhook URL from path.
func loadNotifier(path, relayName string, logf func(string, ...any)) (*Notifier, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the webhook URL: %w", err)
	}
	defer clear(b)
	n, err := NewNotifier(string(b), relayName, logf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// readKey reads dir's WireGuard key; a missing one is [ErrNoKey].
func readKey(dir string) (wgintake.Key, error) {
	path := filepath.Join(dir, keyFile)
	k, err := wgintake.ReadPrivateKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return k, fmt.Errorf("%s: %w", path, ErrNoKey)
	}
	return k, err
}

// Keygen makes the relay's WireGuard key in dir (created 0700 if
// missing) and returns its public key. It never replaces a key: the
// box's intake knows the relay by it.
func Keygen(dir string) (wgintake.Key, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return wgintake.Key{}, fmt.Errorf("making the state directory: %w", err)
	}
	path := filepath.Join(dir, keyFile)
	k, err := wgintake.WritePrivateKey(path)
	if errors.Is(err, fs.ErrExist) {
		return wgintake.Key{}, fmt.Errorf("%s exists already; the box's intake knows the relay by this key, so it is kept", path)
	}
	if err != nil {
		return wgintake.Key{}, err
	}
	pub := k.Public()
	clear(k[:])
	return pub, nil
}

// Serve brings up the tunnel to the box, joins the tailnet as a tsnet
// node, serves metrics if asked, and runs the relay until ctx is done.
// It returns nil when ctx ends, also while it is still joining.
func (s *Setup) Serve(ctx context.Context, logf func(string, ...any)) error {
	tun, err := wgintake.Up(s.key, s.wg)
	clear(s.key[:])
	if err != nil {
		return err
	}
	defer tun.Close()
	// The config's one peer is the box; its API is at tunnel_ip, api_port.
	box := NewBox(tun, netip.AddrPortFrom(s.wg.Peers[0].TunnelIP, uint16(s.wg.APIPort)))
	o := s.opts
	applyLogPolicy(o)
	ts := &tsnet.Server{Dir: filepath.Join(o.Dir, "tsnet"), Hostname: o.Hostname, ControlURL: o.ControlURL,
		AuthKey: s.authKey, Logf: func(string, ...any) {}}
	defer ts.Close()
	if _, err := ts.Up(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped (SIGINT, SIGTERM) before the tailnet answered
		}
		return fmt.Errorf("joining the tailnet: %w", err)
	}
	r, err := New(ts, box, s.queue, logf)
	if err != nil {
		return err
	}
	r.Notify = s.notify
	if o.MetricsPort != 0 {
		ln, err := r.ListenMetrics(o.MetricsPort)
		if err != nil {
			return err
		}
		srv := httpserve.New(r.Handler(), httpserve.Config{HeaderTimeout: 10 * time.Second})
		go srv.Serve(ln)
		defer srv.Close()
	}
	return r.Run(ctx)
}

// applyLogPolicy turns off the tsnet node's log upload when o asks for
// it. tsnet reads the choice from the process environment (envknob), not
// from the Server, so it holds for every tsnet node of this process.
func applyLogPolicy(o Options) {
	if o.NoLogsNoSupport {
		envknob.SetNoLogsNoSupport()
	}
}
