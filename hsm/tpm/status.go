package tpm

import (
	"fmt"
	"strings"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
	"github.com/signetbox/signet/hsm"
)

// TPMA_PERMANENT bits (Part 2, 8.6).
const (
	permLockoutAuthSet = 1 << 2
	permInLockout      = 1 << 9
)

// properties reads count TPM properties starting at first.
func properties(t transport.TPM, first tpm2.TPMPT, count uint32) (map[tpm2.TPMPT]uint32, error) {
	rsp, err := tpm2.GetCapability{
		Capability:    tpm2.TPMCapTPMProperties,
		Property:      uint32(first),
		PropertyCount: count,
	}.Execute(t)
	if err != nil {
		return nil, fmt.Errorf("reading TPM properties: %w", err)
	}
	props, err := rsp.CapabilityData.Data.TPMProperties()
	if err != nil {
		return nil, fmt.Errorf("reading TPM properties: %w", err)
	}
	m := map[tpm2.TPMPT]uint32{}
	for _, p := range props.TPMProperty {
		m[p.Property] = p.Value
	}
	return m, nil
}

// ReadStatus reads the TPM's dictionary-attack state. It needs no PIN and
// does not count as an attempt. Policy is left empty (it belongs to a key).
func ReadStatus(t transport.TPM) (hsm.Status, error) {
	perm, err := properties(t, tpm2.TPMPTPermanent, 1)
	if err != nil {
		return hsm.Status{}, err
	}
	da, err := properties(t, tpm2.TPMPTLockoutCounter, 4)
	if err != nil {
		return hsm.Status{}, err
	}
	counter, maxTries := da[tpm2.TPMPTLockoutCounter], da[tpm2.TPMPTMaxAuthFail]
	st := hsm.Status{
		Present:        true,
		MaxTries:       int(maxTries),
		PINRetries:     max(0, int(maxTries)-int(counter)),
		Lockout:        perm[tpm2.TPMPTPermanent]&permInLockout != 0 || (maxTries > 0 && counter >= maxTries),
		LockoutAuthSet: perm[tpm2.TPMPTPermanent]&permLockoutAuthSet != 0,
	}
	st.Recovery = seconds(da[tpm2.TPMPTLockoutInterval])
	return st, nil
}

// Info is what a TPM says about itself.
type Info struct {
	// Manufacturer is the TCG vendor ID as text, e.g. "IBM" or "MSFT".
	Manufacturer string
	// Vendor is the vendor string, e.g. "SW   TPM".
	Vendor string
	// Firmware is the firmware version, e.g. "1.38.0.0".
	Firmware string
}

// ReadInfo reads the manufacturer, vendor string and firmware version.
func ReadInfo(t transport.TPM) (Info, error) {
	p, err := properties(t, tpm2.TPMPTManufacturer, 8)
	if err != nil {
		return Info{}, err
	}
	vendor := ""
	for pt := tpm2.TPMPTVendorString1; pt <= tpm2.TPMPTVendorString4; pt++ {
		vendor += fourCC(p[pt])
	}
	f1, f2 := p[tpm2.TPMPTFirmwareVersion1], p[tpm2.TPMPTFirmwareVersion2]
	return Info{
		Manufacturer: strings.TrimSpace(fourCC(p[tpm2.TPMPTManufacturer])),
		Vendor:       strings.TrimSpace(vendor),
		Firmware:     fmt.Sprintf("%d.%d.%d.%d", f1>>16, f1&0xffff, f2>>16, f2&0xffff),
	}, nil
}

// fourCC decodes four big-endian ASCII bytes, dropping NULs and
// non-printable bytes.
func fourCC(v uint32) string {
	var b strings.Builder
	for _, c := range []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} {
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		}
	}
	return b.String()
}
