package vpiv

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"sync"
	"time"
)

// Default credentials of a factory-fresh YubiKey PIV applet.
var (
	DefaultPIN           = []byte("123456")
	DefaultPUK           = []byte("12345678")
	DefaultManagementKey = []byte{
		1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
	}
)

// Status words the card answers with.
const (
	swOK              = 0x9000
	swWrongLength     = 0x6700
	swSecurityStatus  = 0x6982
	swAuthBlocked     = 0x6983
	swConditions      = 0x6985
	swIncorrectData   = 0x6a80
	swFileNotFound    = 0x6a82
	swIncorrectP1P2   = 0x6a86
	swRefNotFound     = 0x6a88
	swInsNotSupported = 0x6d00
	swClaNotSupported = 0x6e00
)

// PIV algorithm and policy bytes on the wire. Do NOT reorder.
const (
	alg3DES    = 0x03
	algAES128  = 0x08
	algAES192  = 0x0a
	algAES256  = 0x0c
	algEd25519 = 0xe0

	pinNever  = 0x01
	pinOnce   = 0x02
	pinAlways = 0x03

	touchNever  = 0x01
	touchAlways = 0x02
	touchCached = 0x03

	originGenerated = 0x01
	originImported  = 0x02
)

// touchCacheFor is how long a touch satisfies a "cached" touch policy on a
// YubiKey.
const touchCacheFor = 15 * time.Second

// Options configures a new [Card].
type Options struct {
	// Serial is the serial number GET SERIAL and attestations report.
	Serial uint32
	// Version is the firmware version GET VERSION reports; zero means 5.7.1.
	Version [3]byte
	// Addr is the vpcd address to dial; empty means 127.0.0.1:35963,
	// reader "Virtual PCD 00 00".
	Addr string
}

// slotKey is a private key held in one PIV slot.
type slotKey struct {
	alg    byte
	pin    byte
	touch  byte
	origin byte
	priv   ed25519.PrivateKey
}

// Card is one software PIV card. Its methods are safe for concurrent use.
type Card struct {
	mu   sync.Mutex
	opts Options

	// Persistent state, kept across power cycles and Reinsert.
	pin, puk         []byte // padded to 8 bytes with 0xff
	pinLeft, pinMax  int
	pukLeft, pukMax  int
	pinDefault       bool
	pukDefault       bool
	mgmAlg           byte
	mgmKey           []byte
	mgmDefault       bool
	slots            map[byte]*slotKey
	objects          map[uint32][]byte
	attKey           *ecdsa.PrivateKey
	attCert          *x509.Certificate
	ca               *authority
	lastTouch        time.Time
	touch            func() error
	signs            int
	transmitted      int
	volatile         session
	link             *link
	insertAfterPolls int
}

// session is the volatile state a power cycle, reset or SELECT clears.
type session struct {
	pinVerified bool
	pinAlways   bool // one signature allowed by PIN policy "always"
	mgmAuthed   bool
	witness     []byte
	chain       []byte
	chainINS    byte
	pending     []byte
}

// New returns a factory-fresh card whose attestation chain ends at a CA made
// for this process (see [Card.CA]).
func New(opts Options) (*Card, error) {
	if opts.Version == ([3]byte{}) {
		opts.Version = [3]byte{5, 7, 1}
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:35963"
	}
	ca, err := processCA()
	if err != nil {
		return nil, err
	}
	c := &Card{opts: opts, ca: ca, insertAfterPolls: 3}
	if err := c.newAttestationKey(); err != nil {
		return nil, err
	}
	c.factoryReset()
	return c, nil
}

// factoryReset restores the defaults a YubiKey has after a PIV reset. The
// attestation key and certificate survive, as they do on hardware.
func (c *Card) factoryReset() {
	c.pin = pad(DefaultPIN)
	c.puk = pad(DefaultPUK)
	c.pinMax, c.pinLeft, c.pukMax, c.pukLeft = 3, 3, 3, 3
	c.pinDefault, c.pukDefault, c.mgmDefault = true, true, true
	c.mgmKey = bytes.Clone(DefaultManagementKey)
	c.mgmAlg = alg3DES
	if c.atLeast(5, 7, 0) {
		c.mgmAlg = algAES192
	}
	c.slots = map[byte]*slotKey{}
	c.objects = map[uint32][]byte{0x5fff01: certObject(c.attCert.Raw)}
	c.volatile = session{}
}

// Reset puts the card back to factory state in memory (new keys, default
// PIN, PUK and management key, no touch hook, zero counters) without
// removing it from the reader.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.factoryReset()
	c.touch = nil
	c.lastTouch = time.Time{}
	c.signs, c.transmitted = 0, 0
}

// SetTouch installs the touch hook, called while a signature waits for a
// touch. Return nil for a touch, an error for a timeout (the card answers
// 6982), or [ErrUnplug] to pull the card out mid-command. nil means touch at
// once.
func (c *Card) SetTouch(f func() error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touch = f
}

// SetVersion changes the firmware version the card reports; the next SELECT
// and GET VERSION see it.
func (c *Card) SetVersion(major, minor, patch byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opts.Version = [3]byte{major, minor, patch}
}

// SetSerial changes the serial number the card reports.
func (c *Card) SetSerial(serial uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opts.Serial = serial
}

// Serial returns the card's serial number.
func (c *Card) Serial() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opts.Serial
}

// Signs returns how many signatures the card has made.
func (c *Card) Signs() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.signs
}

// Transmitted returns how many command APDUs the card has answered.
func (c *Card) Transmitted() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transmitted
}

// PINRetries returns the PIN tries left.
func (c *Card) PINRetries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinLeft
}

// CA returns the root certificate of the card's attestation chain, made for
// this process; it is not Yubico's.
func (c *Card) CA() *x509.Certificate {
	return c.ca.cert
}

// AttestationCertificate returns the device attestation certificate (object
// 5FFF01), issued by [Card.CA].
func (c *Card) AttestationCertificate() *x509.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attCert
}

func (c *Card) atLeast(major, minor, patch byte) bool {
	v := c.opts.Version
	if v[0] != major {
		return v[0] > major
	}
	if v[1] != minor {
		return v[1] > minor
	}
	return v[2] >= patch
}

// powerCycle clears volatile state, as power off, power on and reset do.
func (c *Card) powerCycle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.volatile = session{}
}

func pad(pin []byte) []byte {
	out := bytes.Repeat([]byte{0xff}, 8)
	copy(out, pin)
	return out
}

// Defaults reports which credentials are still at their factory values.
func (c *Card) Defaults() (pin, puk, managementKey bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinDefault, c.pukDefault, c.mgmDefault
}

// HasObject reports whether data object tag (e.g. 0x5FC109) is stored.
func (c *Card) HasObject(tag uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.objects[tag]
	return ok
}
