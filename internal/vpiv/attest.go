package vpiv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// Yubico's PIV attestation extensions (developers.yubico.com, PIV
// attestation). Do NOT reorder.
var (
	oidFirmware   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 3}
	oidSerial     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7}
	oidPolicy     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8}
	oidFormFactor = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 9}
)

// formFactorUSBCKeychain is the form factor byte the card attests.
const formFactorUSBCKeychain = 0x03

// authority is the emulator's attestation root, standing in for Yubico's.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var (
	caOnce sync.Once
	caVal  *authority
	caErr  error
)

// processCA returns the attestation root shared by all cards of this
// process; every test run makes a new one.
func processCA() (*authority, error) {
	caOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			caErr = fmt.Errorf("vpiv: generating attestation ca key: %w", err)
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber:          randSerial(),
			Subject:               pkix.Name{CommonName: "vpiv Test PIV Root CA (not Yubico)"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			MaxPathLen:            1,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		cert, err := selfSign(tmpl, key)
		caVal, caErr = &authority{cert: cert, key: key}, err
	})
	return caVal, caErr
}

func selfSign(tmpl *x509.Certificate, key *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("vpiv: creating certificate: %w", err)
	}
	return x509.ParseCertificate(der)
}

func randSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	return n.Add(n, big.NewInt(1))
}

// newAttestationKey makes the device attestation key (slot F9) and its
// certificate, issued by the process CA like Yubico issues a YubiKey's.
func (c *Card) newAttestationKey() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("vpiv: generating attestation key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randSerial(),
		Subject:               pkix.Name{CommonName: "Yubico PIV Attestation"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.ca.cert, key.Public(), c.ca.key)
	if err != nil {
		return fmt.Errorf("vpiv: issuing attestation certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("vpiv: parsing attestation certificate: %w", err)
	}
	c.attKey, c.attCert = key, cert
	return nil
}

// doAttest answers ATTEST (F9) with a certificate for the slot's public key
// signed by the device attestation key. Imported keys cannot be attested.
func (c *Card) doAttest(cmd command) ([]byte, uint16, error) {
	k := c.slots[cmd.p1]
	if k == nil || k.origin != originGenerated {
		return nil, swIncorrectData, nil
	}
	v := c.opts.Version
	serial, err := asn1.Marshal(int64(c.opts.Serial))
	if err != nil {
		return nil, 0x6f00, nil
	}
	tmpl := &x509.Certificate{
		SerialNumber: randSerial(),
		Subject:      pkix.Name{CommonName: fmt.Sprintf("YubiKey PIV Attestation %02x", cmd.p1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		ExtraExtensions: []pkix.Extension{
			{Id: oidFirmware, Value: []byte{v[0], v[1], v[2]}},
			{Id: oidSerial, Value: serial},
			{Id: oidPolicy, Value: []byte{k.pin, k.touch}},
			{Id: oidFormFactor, Value: []byte{formFactorUSBCKeychain}},
		},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.attCert, k.priv.Public(), c.attKey)
	if err != nil {
		return nil, 0x6f00, nil
	}
	return der, swOK, nil
}
