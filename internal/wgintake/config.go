package wgintake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
)

// DefaultAPIPort is the TCP port of the request API inside the tunnel.
const DefaultAPIPort = 80

// maxRatePerMinute caps a peer's rate_per_minute.
const maxRatePerMinute = 100000

// maxPeers caps the peer list: the intake serves a handful of relays.
const maxPeers = 64

// Config is the intake's configuration file (JSON, strictly parsed).
type Config struct {
	// ListenPort is the UDP port WireGuard listens on.
	ListenPort int `json:"listen_port"`
	// ListenAddress, if set, is the one local IP address the UDP port is
	// opened on. Empty opens it on every address, IPv4 and IPv6.
	ListenAddress string `json:"listen_address,omitempty"`
	// Address is the box's own address inside the tunnel.
	Address netip.Addr `json:"address"`
	// APIPort is the TCP port of the API on Address (default 80).
	APIPort int `json:"api_port,omitempty"`
	// Peers are the only keys the device accepts.
	Peers []PeerConfig `json:"peers"`
}

// PeerConfig is one allowed peer.
type PeerConfig struct {
	// Name labels the peer's requests on the console and in the journal.
	Name string `json:"name"`
	// PublicKey is the peer's WireGuard public key (base64).
	PublicKey string `json:"public_key"`
	// TunnelIP is the peer's single address inside the tunnel.
	TunnelIP netip.Addr `json:"tunnel_ip"`
	// Endpoint is where to reach the peer (host:port); a peer that
	// dials in needs none.
	Endpoint string `json:"endpoint,omitempty"`
	// Keepalive is the persistent keepalive in seconds (0: off).
	Keepalive int `json:"keepalive,omitempty"`
	// RatePerMinute, if set, replaces the box's per-requester limit of
	// requests a minute for this peer: a relay speaks for a whole
	// tailnet. The console queue bound applies regardless.
	RatePerMinute int `json:"rate_per_minute,omitempty"`

	key Key
}

// LoadConfig reads and validates a configuration file.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the WireGuard config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes and validates a configuration. Unknown fields and
// trailing data are refused.
func ParseConfig(b []byte) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decoding the WireGuard config: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("the WireGuard config has data after its JSON object")
	}
	if c.APIPort == 0 {
		c.APIPort = DefaultAPIPort
	}
	return &c, c.validate()
}

func (c *Config) validate() error {
	if c.ListenPort < 0 || c.ListenPort > 65535 {
		return fmt.Errorf("listen_port is %d, which is not a port", c.ListenPort)
	}
	listen, err := c.listenAddr()
	if err != nil {
		return err
	}
	if c.APIPort < 1 || c.APIPort > 65535 {
		return fmt.Errorf("api_port is %d, which is not a port", c.APIPort)
	}
	if !c.Address.IsValid() {
		return errors.New("address is required (the box's tunnel address)")
	}
	if len(c.Peers) > maxPeers {
		return fmt.Errorf("too many peers (%d, max %d)", len(c.Peers), maxPeers)
	}
	names, ips, keys := map[string]bool{}, map[netip.Addr]bool{c.Address: true}, map[Key]bool{}
	for i := range c.Peers {
		p := &c.Peers[i]
		if err := p.validate(i, listen); err != nil {
			return err
		}
		switch {
		case names[p.Name]:
			return fmt.Errorf("peers[%d].name %q is used twice", i, p.Name)
		case ips[p.TunnelIP]:
			return fmt.Errorf("peers[%d].tunnel_ip %s is used twice (or is the box's address)", i, p.TunnelIP)
		case keys[p.key]:
			return fmt.Errorf("peers[%d].public_key is used twice", i)
		}
		names[p.Name], ips[p.TunnelIP], keys[p.key] = true, true, true
	}
	return nil
}

// listenAddr parses ListenAddress; the zero Addr stands for every
// address.
func (c *Config) listenAddr() (netip.Addr, error) {
	if c.ListenAddress == "" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(c.ListenAddress)
	switch {
	case err != nil:
		return a, fmt.Errorf("listen_address %q is not an IP address: write one of this machine's addresses, like 192.0.2.10 or 2001:db8::10, or leave it out to listen on all", c.ListenAddress)
	case a.Is4In6():
		return a, fmt.Errorf("listen_address %s is an IPv4-mapped IPv6 address: write it as %s", a, a.Unmap())
	case a.IsMulticast():
		return a, fmt.Errorf("listen_address %s is a multicast address: write one of this machine's own addresses", a)
	}
	return a, nil
}

// validate checks peer i; listen is the config's listen address, if any.
func (p *PeerConfig) validate(i int, listen netip.Addr) error {
	if !validName(p.Name) {
		return fmt.Errorf("peers[%d].name %q must be 1-32 of a-z A-Z 0-9 . _ -", i, p.Name)
	}
	k, err := ParseKey(p.PublicKey)
	if err != nil {
		return fmt.Errorf("peers[%d].public_key: %w", i, err)
	}
	p.key = k
	if !p.TunnelIP.IsValid() {
		return fmt.Errorf("peers[%d].tunnel_ip is required", i)
	}
	if p.Endpoint != "" {
		ep, err := netip.ParseAddrPort(p.Endpoint)
		if err != nil {
			return fmt.Errorf("peers[%d].endpoint %q is not ip:port: %w", i, p.Endpoint, err)
		}
		if listen.IsValid() && ep.Addr().Unmap().Is4() != listen.Is4() {
			return fmt.Errorf("peers[%d].endpoint %s is %s but listen_address %s is %s: a socket on one address reaches only its own family", i, ep, family(ep.Addr().Unmap()), listen, family(listen))
		}
	}
	if p.Keepalive < 0 || p.Keepalive > 65535 {
		return fmt.Errorf("peers[%d].keepalive is %d, out of range", i, p.Keepalive)
	}
	if p.RatePerMinute < 0 || p.RatePerMinute > maxRatePerMinute {
		return fmt.Errorf("peers[%d].rate_per_minute is %d, must be 0 (the box's default) to %d", i, p.RatePerMinute, maxRatePerMinute)
	}
	return nil
}

// validName keeps peer names plain: they are shown on the console.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
