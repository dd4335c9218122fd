package vpiv

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"testing"
)

func newCard(t *testing.T) *Card {
	t.Helper()
	c, err := New(Options{Serial: 0x01020304})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run sends an APDU given in hex and returns data and status word.
func run(t *testing.T, c *Card, apdu []byte) ([]byte, uint16) {
	t.Helper()
	r := c.Transmit(apdu)
	if len(r) < 2 {
		t.Fatalf("response %x too short", r)
	}
	return r[:len(r)-2], uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
}

func apdu(ins, p1, p2 byte, data []byte) []byte {
	return append([]byte{0x00, ins, p1, p2, byte(len(data))}, data...)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestWireBytes(t *testing.T) {
	c := newCard(t)
	for _, tc := range []struct {
		name, cmd, want string
	}{
		// 00 FD 00 00 00: GET VERSION → 05 07 01 (5.7.1), 90 00.
		{"version", "00fd000000", "050701" + "9000"},
		// 00 F8 00 00 00: GET SERIAL → 4 bytes big-endian, 90 00.
		{"serial", "00f8000000", "01020304" + "9000"},
		// VERIFY P2=80 without data: 63 C3, three tries left.
		{"pin tries", "0020008000", "63c3"},
		// GET METADATA 80 (PIN): 01 01 FF (alg: PIN), 05 01 01 (default),
		// 06 02 03 03 (3 tries total, 3 left), 90 00.
		{"pin metadata", "00f7008000", "0101ff" + "050101" + "06020303" + "9000"},
		// GET METADATA 9B: 01 01 0A (AES-192 on 5.7), 02 02 00 01 (touch
		// never), 05 01 01 (default), 90 00.
		{"management metadata", "00f7009b00", "01010a" + "02020001" + "050101" + "9000"},
		// GET METADATA 9C on an empty slot: 6A 88, reference not found.
		{"empty slot", "00f7009c00", "6a88"},
		// ATTEST 9C on an empty slot: 6A 80.
		{"attest empty", "00f99c0000", "6a80"},
		// GENERATE without management authentication: 69 82.
		{"generate unauthenticated", "0047009c05ac038001e0", "6982"},
		// Unknown instruction: 6D 00.
		{"unknown ins", "0001000000", "6d00"},
	} {
		got := hex.EncodeToString(c.Transmit(mustHex(tc.cmd)))
		if got != tc.want {
			t.Errorf("%s: %s → %s, want %s", tc.name, tc.cmd, got, tc.want)
		}
	}
}

func TestPINRetriesBlockAndUnblock(t *testing.T) {
	c := newCard(t)
	wrong := pad([]byte("000000"))
	for _, want := range []uint16{0x63c2, 0x63c1, 0x63c0, 0x6983} {
		if _, st := run(t, c, apdu(0x20, 0, 0x80, wrong)); st != want {
			t.Fatalf("wrong PIN: %04x, want %04x", st, want)
		}
	}
	if _, st := run(t, c, apdu(0x20, 0, 0x80, pad(DefaultPIN))); st != 0x6983 {
		t.Fatalf("right PIN while blocked: %04x, want 6983", st)
	}
	newPIN := pad([]byte("1234567"))
	if _, st := run(t, c, apdu(0x2c, 0, 0x80, append(pad(DefaultPUK), newPIN...))); st != 0x9000 {
		t.Fatalf("RESET RETRY COUNTER: %04x", st)
	}
	if _, st := run(t, c, apdu(0x20, 0, 0x80, newPIN)); st != 0x9000 {
		t.Fatalf("new PIN: %04x", st)
	}
	if _, st := run(t, c, apdu(0x20, 0, 0x80, nil)); st != 0x9000 {
		t.Fatalf("status after verify: %04x, want 9000", st)
	}
	if _, st := run(t, c, apdu(0x24, 0, 0x80, append(newPIN, pad([]byte("12"))...))); st != 0x6a80 {
		t.Fatalf("CHANGE REFERENCE to a 2-digit PIN: %04x, want 6a80", st)
	}
}

// authenticate runs the management-key challenge-response with key.
func authenticate(t *testing.T, c *Card, alg byte, key []byte) uint16 {
	t.Helper()
	var block cipher.Block
	var err error
	if alg == alg3DES {
		block, err = des.NewTripleDESCipher(key)
	} else {
		block, err = aes.NewCipher(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	n := block.BlockSize()
	resp, st := run(t, c, apdu(0x87, alg, 0x9b, []byte{0x7c, 0x02, 0x80, 0x00}))
	if st != 0x9000 {
		return st
	}
	w := make([]byte, n)
	block.Decrypt(w, resp[4:4+n])
	chal := bytes.Repeat([]byte{0x42}, n)
	data := enc(0x7c, append(enc(0x80, w), enc(0x81, chal)...))
	resp, st = run(t, c, apdu(0x87, alg, 0x9b, data))
	if st != 0x9000 {
		return st
	}
	want := make([]byte, n)
	block.Encrypt(want, chal)
	if !bytes.Equal(resp[4:], want) {
		t.Fatalf("card answered the challenge wrongly")
	}
	return st
}

func TestManagementKeyAlgorithms(t *testing.T) {
	c := newCard(t)
	if st := authenticate(t, c, algAES128, make([]byte, 16)); st != 0x6a86 {
		t.Fatalf("auth with the wrong algorithm: %04x, want 6a86", st)
	}
	if st := authenticate(t, c, algAES192, bytes.Repeat([]byte{9}, 24)); st != 0x6982 {
		t.Fatalf("auth with the wrong key: %04x, want 6982", st)
	}
	key := DefaultManagementKey
	alg := byte(algAES192)
	for _, next := range []struct {
		alg byte
		n   int
	}{{alg3DES, 24}, {algAES128, 16}, {algAES256, 32}, {algAES192, 24}} {
		if st := authenticate(t, c, alg, key); st != 0x9000 {
			t.Fatalf("auth with alg %02x: %04x", alg, st)
		}
		nk := bytes.Repeat([]byte{next.alg}, next.n)
		cmd := append([]byte{next.alg, 0x9b, byte(next.n)}, nk...)
		if _, st := run(t, c, apdu(0xff, 0xff, 0xff, cmd)); st != 0x9000 {
			t.Fatalf("SET MANAGEMENT KEY alg %02x: %04x", next.alg, st)
		}
		key, alg = nk, next.alg
	}
	if st := authenticate(t, c, alg, key); st != 0x9000 {
		t.Fatalf("final auth: %04x", st)
	}
}

func TestGenerateSignAttest(t *testing.T) {
	c := newCard(t)
	if st := authenticate(t, c, algAES192, DefaultManagementKey); st != 0x9000 {
		t.Fatal(st)
	}
	// AC 09 {80 01 E0 (Ed25519), AA 01 03 (PIN always), AB 01 01 (no touch)}
	resp, st := run(t, c, apdu(0x47, 0, 0x9c, mustHex("ac09"+"8001e0"+"aa0103"+"ab0101")))
	if st != 0x9000 || !bytes.HasPrefix(resp, []byte{0x7f, 0x49, 0x22, 0x86, 0x20}) {
		t.Fatalf("GENERATE: %x %04x", resp, st)
	}
	pub := ed25519.PublicKey(resp[5:])
	msg := bytes.Repeat([]byte{7}, 32)
	signCmd := apdu(0x87, algEd25519, 0x9c, enc(0x7c, append([]byte{0x82, 0x00}, enc(0x81, msg)...)))
	if _, st := run(t, c, signCmd); st != 0x6982 {
		t.Fatalf("sign without PIN: %04x, want 6982", st)
	}
	run(t, c, apdu(0x20, 0, 0x80, pad(DefaultPIN)))
	resp, st = run(t, c, signCmd)
	if st != 0x9000 || !ed25519.Verify(pub, msg, resp[4:]) {
		t.Fatalf("sign after PIN: %x %04x", resp, st)
	}
	if _, st := run(t, c, signCmd); st != 0x6982 {
		t.Fatalf("second sign on one VERIFY with policy always: %04x, want 6982", st)
	}

	// The attestation certificate is over 256 bytes: 61xx, then GET RESPONSE.
	first, st := run(t, c, apdu(0xf9, 0x9c, 0, nil))
	if st>>8 != 0x61 || len(first) != 256 {
		t.Fatalf("ATTEST: %d bytes, %04x; want 256 bytes and 61xx", len(first), st)
	}
	rest, st := run(t, c, []byte{0x00, 0xc0, 0x00, 0x00, 0x00})
	if st != 0x9000 {
		t.Fatalf("GET RESPONSE: %04x", st)
	}
	slot, err := x509.ParseCertificate(append(first, rest...))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c.CA())
	inter := x509.NewCertPool()
	inter.AddCert(c.AttestationCertificate())
	if _, err := slot.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("slot attestation does not chain to the CA: %v", err)
	}
	if !pub.Equal(slot.PublicKey) || slot.Subject.CommonName != "YubiKey PIV Attestation 9c" {
		t.Errorf("attestation: key %x, CN %q", slot.PublicKey, slot.Subject.CommonName)
	}
}

func TestCommandChaining(t *testing.T) {
	c := newCard(t)
	authenticate(t, c, algAES192, DefaultManagementKey)
	obj := bytes.Repeat([]byte{0xab}, 600)
	data := append(mustHex("5c035fc105"), enc(0x53, obj)...)
	for len(data) > 255 {
		chunk := append([]byte{0x10, 0xdb, 0x3f, 0xff, 0xff}, data[:255]...)
		if _, st := run(t, c, chunk); st != 0x9000 {
			t.Fatalf("chained PUT DATA: %04x", st)
		}
		data = data[255:]
	}
	if _, st := run(t, c, apdu(0xdb, 0x3f, 0xff, data)); st != 0x9000 {
		t.Fatalf("last PUT DATA: %04x", st)
	}
	var got []byte
	resp, st := run(t, c, apdu(0xcb, 0x3f, 0xff, mustHex("5c035fc105")))
	for got = resp; st>>8 == 0x61; got = append(got, resp...) {
		resp, st = run(t, c, []byte{0x00, 0xc0, 0x00, 0x00, 0x00})
	}
	if st != 0x9000 || !bytes.Equal(got, enc(0x53, obj)) {
		t.Fatalf("GET DATA after chained PUT DATA: %d bytes, %04x", len(got), st)
	}
}

func FuzzTransmit(f *testing.F) {
	for _, s := range []string{"00a4040005a000000308", "0020008008313233343536ffff", "0087039b047c028000", "00f99c0000", "1047009c05ac03800100"} {
		f.Add(mustHex(s))
	}
	c, err := New(Options{Serial: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r := c.Transmit(b); len(r) < 2 {
			t.Fatalf("response %x has no status word", r)
		}
	})
}
