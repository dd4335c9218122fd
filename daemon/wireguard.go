package daemon

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
)

// StartWireGuard brings up the intake described by the config file at
// cfgPath with the box's key (wg.key in dir), serves svc's API in the
// tunnel until ctx is done (ServeWireGuard) and the device's state on
// the status socket in dir (for 'signet wg show'). stop closes the
// device and the status socket.
func StartWireGuard(ctx context.Context, log io.Writer, dir, cfgPath string, svc *signer.Service) (stop func(), err error) {
	cfg, err := wgintake.LoadConfig(cfgPath)
	if err != nil {
		return nil, cli.WithHint(err, "see docs/wireguard.md for the file's fields")
	}
	priv, err := wgintake.ReadPrivateKey(statedir.Path(dir, statedir.WGKey))
	if err != nil {
		return nil, cli.WithHint(err, "make the key with 'signet wg keygen'")
	}
	sl, err := wgintake.ListenStatus(statedir.Path(dir, statedir.WGStatusSocket))
	if err != nil {
		clear(priv[:])
		return nil, err
	}
	in, err := ServeWireGuard(ctx, log, svc, priv, cfg)
	clear(priv[:])
	if err != nil {
		sl.Close()
		return nil, err
	}
	go in.Tunnel.ServeStatus(sl)
	fmt.Fprintf(log, "signet: WireGuard intake on UDP port %d, API at %s port %d, %d peers\n", cfg.ListenPort, cfg.Address, cfg.APIPort, len(cfg.Peers))
	return func() { sl.Close(); in.Close() }, nil
}

// Intake is a running WireGuard intake.
type Intake struct {
	// Tunnel is the userspace WireGuard device.
	Tunnel *wgintake.Tunnel
	l      net.Listener
}

// Close stops serving the API and closes the device.
func (in *Intake) Close() {
	in.l.Close()
	in.Tunnel.Close()
}

// ServeWireGuard brings up the WireGuard device of cfg with the private
// key priv, gives each peer its rate limit (api.WireGuardRequester), and
// serves svc's API to the peers in the tunnel until ctx is done or the
// intake is closed. If serving fails, log says so.
func ServeWireGuard(ctx context.Context, log io.Writer, svc *signer.Service, priv wgintake.Key, cfg *wgintake.Config) (*Intake, error) {
	tun, err := wgintake.Up(priv, cfg)
	clear(priv[:])
	if err != nil {
		return nil, err
	}
	l, err := tun.Listen()
	if err != nil {
		tun.Close()
		return nil, err
	}
	for _, p := range cfg.Peers {
		if p.RatePerMinute > 0 {
			svc.SetRequesterRate(api.WireGuardRequester(p.Name), p.RatePerMinute)
		}
	}
	go func() {
		if err := svc.ServeNet(ctx, l, tun.PeerName); err != nil {
			fmt.Fprintf(log, "signet: error: the WireGuard intake stopped: %v\n", err)
		}
	}()
	return &Intake{Tunnel: tun, l: l}, nil
}
