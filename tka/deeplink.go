package tka

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Sign-device deeplinks: tailscale://sign-device/v1/?nk=&tp=&dn=&os=&em=&hm=
// The admin console shows one for a locked-out device; hm is an HMAC-SHA256
// keyed by the authority's StateID1, so a link made for another authority
// (or edited) does not validate.
const (
	deeplinkScheme = "tailscale"
	deeplinkHost   = "sign-device"
)

// DeviceLink is the content of a sign-device deeplink. Every field but
// NodeKey and TLPub is a claim made by the device, not verified by anyone.
type DeviceLink struct {
	NodeKey    string // nodekey:<hex>
	TLPub      string // tlpub:<hex>, the device's own tailnet-lock key
	DeviceName string
	OSName     string
	LoginName  string
}

func deeplinkMAC(stateID1 uint64, d DeviceLink) []byte {
	var key [8]byte
	binary.LittleEndian.PutUint64(key[:], stateID1)
	m := hmac.New(sha256.New, key[:])
	for _, part := range []string{d.NodeKey, d.TLPub, d.DeviceName, d.OSName, d.LoginName} {
		m.Write([]byte(part))
	}
	return m.Sum(nil)
}

// NewDeeplink builds a sign-device deeplink for d under the authority.
func (a *Authority) NewDeeplink(d DeviceLink) (string, error) {
	switch {
	case !strings.HasPrefix(d.NodeKey, PrefixNodeKey):
		return "", fmt.Errorf("invalid node key %q", short(d.NodeKey))
	case !strings.HasPrefix(d.TLPub, PrefixTLPub):
		return "", fmt.Errorf("invalid tlpub %q", short(d.TLPub))
	case d.DeviceName == "":
		return "", errors.New("the device name is empty")
	case d.OSName == "":
		return "", errors.New("the OS name is empty")
	case d.LoginName == "":
		return "", errors.New("the login name is empty")
	}
	v := url.Values{}
	v.Set("nk", d.NodeKey)
	v.Set("tp", d.TLPub)
	v.Set("dn", d.DeviceName)
	v.Set("os", d.OSName)
	v.Set("em", d.LoginName)
	v.Set("hm", hex.EncodeToString(deeplinkMAC(a.state.StateID1, d)))
	u := url.URL{Scheme: deeplinkScheme, Host: deeplinkHost, Path: "/v1/", RawQuery: v.Encode()}
	return u.String(), nil
}

// ValidateDeeplink checks a sign-device deeplink against the authority and
// returns its content, or an error saying which part is wrong. It accepts
// exactly the links tailscale.com accepts.
func (a *Authority) ValidateDeeplink(link string) (DeviceLink, error) {
	d, mac, err := ParseDeeplink(link)
	if err != nil {
		return DeviceLink{}, err
	}
	if !hmac.Equal(mac, deeplinkMAC(a.state.StateID1, d)) {
		return DeviceLink{}, errors.New("deeplink HMAC does not match this authority: it was made for another tailnet or was altered")
	}
	return d, nil
}

// ParseDeeplink reads a sign-device deeplink without an authority: its
// content and its HMAC, unchecked. Clients use it to refuse a malformed
// link before sending it; only ValidateDeeplink makes it trustworthy.
func ParseDeeplink(link string) (DeviceLink, []byte, error) {
	u, err := url.Parse(link)
	if err != nil {
		return DeviceLink{}, nil, fmt.Errorf("deeplink is not a URL: %w", err)
	}
	if u.Scheme != deeplinkScheme {
		return DeviceLink{}, nil, fmt.Errorf("deeplink scheme is %q, want %q", short(u.Scheme), deeplinkScheme)
	}
	if u.Host != deeplinkHost {
		return DeviceLink{}, nil, fmt.Errorf("deeplink command is %q, want %q", short(u.Host), deeplinkHost)
	}
	parts := strings.Split(u.EscapedPath(), "/")
	if len(parts) != 3 {
		return DeviceLink{}, nil, errors.New("deeplink path must be /v1/")
	}
	if parts[1] != "v1" {
		return DeviceLink{}, nil, fmt.Errorf("deeplink version is %q; only v1 is known, update signet for newer links", short(parts[1]))
	}
	q := u.Query()
	d := DeviceLink{NodeKey: q.Get("nk"), TLPub: q.Get("tp"), DeviceName: q.Get("dn"), OSName: q.Get("os"), LoginName: q.Get("em")}
	for _, f := range []struct{ v, name string }{
		{d.NodeKey, "nk (node key)"}, {d.TLPub, "tp (tailnet-lock key)"}, {d.DeviceName, "dn (device name)"},
		{d.LoginName, "em (login name)"}, {q.Get("hm"), "hm (HMAC)"},
	} {
		if f.v == "" {
			return DeviceLink{}, nil, fmt.Errorf("deeplink lacks the %s parameter", f.name)
		}
	}
	mac, err := hex.DecodeString(q.Get("hm"))
	if err != nil {
		return DeviceLink{}, nil, errors.New("deeplink hm (HMAC) is not hex")
	}
	return d, mac, nil
}
