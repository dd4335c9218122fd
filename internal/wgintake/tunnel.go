package wgintake

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/netstack"
)

// mtu is WireGuard's usual inner MTU over a 1500-byte path.
const mtu = 1420

// Tunnel is a running userspace WireGuard device and its netstack.
type Tunnel struct {
	dev   *device.Device
	net   *netstack.Net
	cfg   *Config
	names map[netip.Addr]string
	byKey map[string]string // hex public key -> name
}

// Up starts a device with private key priv and the peers of cfg. It binds
// cfg.ListenPort (UDP) on the host, on cfg.ListenAddress if set, else on
// every address; everything else stays in the process.
func Up(priv Key, cfg *Config) (*Tunnel, error) {
	bind, err := newBind(cfg)
	if err != nil {
		return nil, err
	}
	tdev, tnet, err := netstack.CreateNetTUN([]netip.Addr{cfg.Address}, nil, mtu)
	if err != nil {
		return nil, fmt.Errorf("creating the netstack device: %w", err)
	}
	dev := device.NewDevice(tdev, bind, device.NewLogger(device.LogLevelSilent, ""))
	t := &Tunnel{dev: dev, net: tnet, cfg: cfg, names: map[netip.Addr]string{}, byKey: map[string]string{}}
	if err := dev.IpcSet(t.uapi(priv)); err != nil {
		dev.Close()
		return nil, fmt.Errorf("configuring the WireGuard device: %w", err)
	}
	if err := dev.Up(); err != nil {
		dev.Close()
		return nil, fmt.Errorf("starting the WireGuard device on UDP port %d: %w", cfg.ListenPort, err)
	}
	return t, nil
}

// newBind is the device's UDP socket: on cfg.ListenAddress alone if set,
// else wireguard-go's default on every address.
//
// NOTE(wgintake): ListenAddress is parsed here again, not cached by
// ParseConfig, so a Config built by hand that names an address can never
// fall back to listening on all of them.
func newBind(cfg *Config) (conn.Bind, error) {
	addr, err := cfg.listenAddr()
	if err != nil {
		return nil, err
	}
	if !addr.IsValid() {
		return conn.NewDefaultBind(), nil
	}
	return newAddrBind(addr), nil
}

// uapi renders the device configuration (wireguard's configuration
// protocol: hex keys, one key=value a line).
func (t *Tunnel) uapi(priv Key) string {
	var b strings.Builder
	fmt.Fprintf(&b, "private_key=%s\nlisten_port=%d\nreplace_peers=true\n", priv.hex(), t.cfg.ListenPort)
	for _, p := range t.cfg.Peers {
		fmt.Fprintf(&b, "public_key=%s\nreplace_allowed_ips=true\nallowed_ip=%s\n", p.key.hex(), netip.PrefixFrom(p.TunnelIP, p.TunnelIP.BitLen()))
		if p.Endpoint != "" {
			fmt.Fprintf(&b, "endpoint=%s\n", p.Endpoint)
		}
		if p.Keepalive > 0 {
			fmt.Fprintf(&b, "persistent_keepalive_interval=%d\n", p.Keepalive)
		}
		t.names[p.TunnelIP] = p.Name
		t.byKey[p.key.hex()] = p.Name
	}
	return b.String()
}

// Listen opens the API's TCP listener on the box's tunnel address.
func (t *Tunnel) Listen() (net.Listener, error) {
	l, err := t.net.ListenTCPAddrPort(netip.AddrPortFrom(t.cfg.Address, uint16(t.cfg.APIPort)))
	if err != nil {
		return nil, fmt.Errorf("listening on %s port %d in the tunnel: %w", t.cfg.Address, t.cfg.APIPort, err)
	}
	return l, nil
}

// Net is the tunnel's network stack, for dialing through it.
func (t *Tunnel) Net() *netstack.Net { return t.net }

// PeerName names the peer a tunnel connection comes from. ok is false for
// an address no peer owns (which WireGuard should never let through).
func (t *Tunnel) PeerName(remote net.Addr) (name string, ok bool) {
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return "", false
	}
	name, ok = t.names[ap.Addr().Unmap()]
	return name, ok
}

// Close stops the device and releases its UDP port.
func (t *Tunnel) Close() { t.dev.Close() }
