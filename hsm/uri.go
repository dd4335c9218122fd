package hsm

import (
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
)

// DefaultTPMDevice is the TPM used when a tpm: URI names no device: the
// kernel's resource manager, which lets several processes share the TPM.
const DefaultTPMDevice = "/dev/tpmrm0"

// URI names a key: its backend (Scheme) and where the backend finds it.
type URI struct {
	// Scheme is "tpm", "piv" or "soft".
	Scheme string
	// Path is the key file (tpm, soft).
	Path string
	// Device is the TPM to use (tpm): a device path such as /dev/tpmrm0,
	// tcp://host:port (swtpm's server port) or unix:///path (swtpm socket).
	Device string
	// Serial is the YubiKey serial number (piv), or 0 for "the only one".
	Serial uint32
	// Slot is the PIV slot (piv), e.g. 0x9c.
	Slot uint8
}

// String returns the canonical text form of u, which ParseURI accepts.
func (u URI) String() string {
	switch u.Scheme {
	case "tpm":
		return "tpm:" + u.Path + "?device=" + u.Device
	case "piv":
		if u.Serial == 0 {
			return fmt.Sprintf("piv:slot=%02x", u.Slot)
		}
		return fmt.Sprintf("piv:serial=%d;slot=%02x", u.Serial, u.Slot)
	default:
		return u.Scheme + ":" + u.Path
	}
}

// ParseURI parses a key URI such as tpm:/var/lib/signet/key.tpm?device=/dev/tpmrm0,
// piv:serial=12345678;slot=9c or soft:/path. Its errors name the part that is
// wrong (scheme, path, device, serial or slot).
func ParseURI(s string) (URI, error) {
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || scheme == "" {
		return URI{}, fmt.Errorf("key URI %q has no scheme; start it with tpm:, piv: or soft:", s)
	}
	switch scheme {
	case "tpm":
		return parseTPM(rest)
	case "piv":
		return parsePIV(rest)
	case "soft":
		return parseSoft(rest)
	}
	return URI{}, fmt.Errorf("key URI scheme %q is not one of tpm, piv, soft", scheme)
}

func parseTPM(rest string) (URI, error) {
	p, query, _ := strings.Cut(rest, "?")
	u := URI{Scheme: "tpm", Device: DefaultTPMDevice}
	if err := checkPath("tpm", p, true); err != nil {
		return URI{}, err
	}
	u.Path = p
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if k != "device" {
			return URI{}, fmt.Errorf("tpm key URI has unknown parameter %q; the only one is device", k)
		}
		if err := checkDevice(v); err != nil {
			return URI{}, err
		}
		u.Device = v
	}
	return u, nil
}

func checkPath(scheme, p string, absolute bool) error {
	switch {
	case p == "":
		return fmt.Errorf("%s key URI has an empty path; name the key file, e.g. %s:/var/lib/signet/key.%s", scheme, scheme, scheme)
	case absolute && !path.IsAbs(p):
		return fmt.Errorf("%s key URI path %q is not absolute; start it with /", scheme, p)
	case path.Clean(p) != p:
		return fmt.Errorf("%s key URI path %q is not clean; write it as %q", scheme, p, path.Clean(p))
	case strings.ContainsAny(p, "?;\x00"):
		return fmt.Errorf("%s key URI path %q contains one of ? ; NUL", scheme, p)
	}
	return nil
}

func checkDevice(d string) error {
	switch {
	case strings.HasPrefix(d, "tcp://"):
		host, port, err := net.SplitHostPort(strings.TrimPrefix(d, "tcp://"))
		if err != nil || host == "" {
			return fmt.Errorf("tpm key URI device %q is not tcp://host:port", d)
		}
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return fmt.Errorf("tpm key URI device %q has a bad port %q; want 1-65535", d, port)
		}
	case strings.HasPrefix(d, "unix://"):
		p := strings.TrimPrefix(d, "unix://")
		if !path.IsAbs(p) || path.Clean(p) != p {
			return fmt.Errorf("tpm key URI device %q is not unix:///absolute/path", d)
		}
	case d == "" || !path.IsAbs(d) || path.Clean(d) != d:
		return fmt.Errorf("tpm key URI device %q is not a device path (/dev/tpmrm0), tcp://host:port or unix:///path", d)
	}
	return nil
}

func parsePIV(rest string) (URI, error) {
	u := URI{Scheme: "piv"}
	seen := map[string]bool{}
	for _, kv := range strings.Split(rest, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return URI{}, fmt.Errorf("piv key URI part %q is not key=value or is repeated; write piv:serial=12345678;slot=9c", kv)
		}
		seen[k] = true
		var err error
		switch k {
		case "serial":
			u.Serial, err = parseSerial(v)
		case "slot":
			u.Slot, err = parseSlot(v)
		default:
			err = fmt.Errorf("piv key URI has unknown part %q; the parts are serial and slot", k)
		}
		if err != nil {
			return URI{}, err
		}
	}
	if !seen["slot"] {
		return URI{}, fmt.Errorf("piv key URI has no slot; add slot=9c (or 9a, 9d, 9e, 82-95)")
	}
	return u, nil
}

func parseSerial(v string) (uint32, error) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 || strings.HasPrefix(v, "0") {
		return 0, fmt.Errorf("piv key URI serial %q is not a decimal serial number like 12345678", v)
	}
	return uint32(n), nil
}

func parseSlot(v string) (uint8, error) {
	n, err := strconv.ParseUint(v, 16, 8)
	ok := err == nil && len(v) == 2 && v == strings.ToLower(v) &&
		(n == 0x9a || n == 0x9c || n == 0x9d || n == 0x9e || (n >= 0x82 && n <= 0x95))
	if !ok {
		return 0, fmt.Errorf("piv key URI slot %q is not a PIV key slot; use 9a, 9c, 9d, 9e or 82-95 (lowercase hex)", v)
	}
	return uint8(n), nil
}

func parseSoft(rest string) (URI, error) {
	if err := checkPath("soft", rest, false); err != nil {
		return URI{}, err
	}
	return URI{Scheme: "soft", Path: rest}, nil
}
