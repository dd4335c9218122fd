package vpiv

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"crypto/subtle"
)

// Key references in VERIFY, CHANGE REFERENCE and GET METADATA.
const (
	refPIN = 0x80
	refPUK = 0x81
	refMgm = 0x9b
)

func retriesSW(left int) uint16 {
	if left <= 0 {
		return swAuthBlocked
	}
	return 0x63c0 | uint16(left&0x0f)
}

// checkSecret compares a padded PIN or PUK and keeps the retry counter, as
// VERIFY, CHANGE REFERENCE and RESET RETRY COUNTER do on a YubiKey.
func checkSecret(want, got []byte, left *int, max int) uint16 {
	if *left <= 0 {
		return swAuthBlocked
	}
	if len(got) != 8 || subtle.ConstantTimeCompare(want, got) != 1 {
		*left--
		if *left == 0 {
			return 0x63c0
		}
		return retriesSW(*left)
	}
	*left = max
	return swOK
}

// validNew accepts a new PIN or PUK of 6 to 8 bytes, padded with 0xff.
func validNew(b []byte) bool {
	if len(b) != 8 {
		return false
	}
	n := 8
	for n > 0 && b[n-1] == 0xff {
		n--
	}
	for _, ch := range b[:n] {
		if ch == 0xff {
			return false
		}
	}
	return n >= 6
}

func (c *Card) doVerify(cmd command) ([]byte, uint16, error) {
	if cmd.p2 != refPIN {
		return nil, swRefNotFound, nil
	}
	if len(cmd.data) == 0 {
		switch {
		case c.pinLeft <= 0:
			return nil, swAuthBlocked, nil
		case c.volatile.pinVerified:
			return nil, swOK, nil
		}
		return nil, retriesSW(c.pinLeft), nil
	}
	st := checkSecret(c.pin, cmd.data, &c.pinLeft, c.pinMax)
	c.volatile.pinVerified = st == swOK
	c.volatile.pinAlways = st == swOK
	return nil, st, nil
}

func (c *Card) doChangeReference(cmd command) ([]byte, uint16, error) {
	if len(cmd.data) != 16 {
		return nil, swIncorrectData, nil
	}
	old, next := cmd.data[:8], cmd.data[8:]
	switch cmd.p2 {
	case refPIN:
		if st := checkSecret(c.pin, old, &c.pinLeft, c.pinMax); st != swOK {
			c.volatile.pinVerified = false
			return nil, st, nil
		}
		if !validNew(next) {
			return nil, swIncorrectData, nil
		}
		c.pin, c.pinDefault = clone(next), false
		c.volatile.pinVerified = true
	case refPUK:
		if st := checkSecret(c.puk, old, &c.pukLeft, c.pukMax); st != swOK {
			return nil, st, nil
		}
		if !validNew(next) {
			return nil, swIncorrectData, nil
		}
		c.puk, c.pukDefault = clone(next), false
	default:
		return nil, swRefNotFound, nil
	}
	return nil, swOK, nil
}

func (c *Card) doResetRetry(cmd command) ([]byte, uint16, error) {
	if cmd.p2 != refPIN {
		return nil, swRefNotFound, nil
	}
	if len(cmd.data) != 16 {
		return nil, swIncorrectData, nil
	}
	if st := checkSecret(c.puk, cmd.data[:8], &c.pukLeft, c.pukMax); st != swOK {
		return nil, st, nil
	}
	if !validNew(cmd.data[8:]) {
		return nil, swIncorrectData, nil
	}
	c.pin, c.pinDefault, c.pinLeft = clone(cmd.data[8:]), false, c.pinMax
	return nil, swOK, nil
}

func (c *Card) doSetPINRetries(cmd command) ([]byte, uint16, error) {
	if !c.volatile.mgmAuthed || !c.volatile.pinVerified {
		return nil, swSecurityStatus, nil
	}
	if cmd.p1 == 0 || cmd.p2 == 0 {
		return nil, swIncorrectP1P2, nil
	}
	// As on a YubiKey, new retry counts reset the PIN and PUK to defaults.
	c.pinMax, c.pinLeft, c.pukMax, c.pukLeft = int(cmd.p1), int(cmd.p1), int(cmd.p2), int(cmd.p2)
	c.pin, c.puk, c.pinDefault, c.pukDefault = pad(DefaultPIN), pad(DefaultPUK), true, true
	return nil, swOK, nil
}

func (c *Card) doReset() ([]byte, uint16, error) {
	if c.pinLeft > 0 || c.pukLeft > 0 {
		return nil, swConditions, nil
	}
	c.factoryReset()
	return nil, swOK, nil
}

// mgmCipher returns the block cipher of the current management key.
func (c *Card) mgmCipher() (cipher.Block, int) {
	if c.mgmAlg == alg3DES {
		b, err := des.NewTripleDESCipher(c.mgmKey)
		if err != nil {
			panic(err) // the key length is checked when it is set
		}
		return b, 8
	}
	b, err := aes.NewCipher(c.mgmKey)
	if err != nil {
		panic(err)
	}
	return b, 16
}

// authManagement runs the two-step challenge-response of GENERAL
// AUTHENTICATE on key 9B: the card sends an encrypted witness, the host
// returns it decrypted together with its own challenge, and the card answers
// the challenge encrypted.
func (c *Card) authManagement(cmd command) ([]byte, uint16, error) {
	if cmd.p1 != c.mgmAlg {
		return nil, swIncorrectP1P2, nil
	}
	outer, err := parseTLVs(cmd.data)
	if err != nil || len(outer) != 1 || outer[0].tag != 0x7c {
		return nil, swIncorrectData, nil
	}
	inner, err := parseTLVs(outer[0].value)
	if err != nil {
		return nil, swIncorrectData, nil
	}
	block, n := c.mgmCipher()
	witness, hasW := find(inner, 0x80)
	challenge, hasC := find(inner, 0x81)
	switch {
	case hasW && len(witness) == 0 && !hasC:
		c.volatile.mgmAuthed = false
		w := make([]byte, n)
		rand.Read(w)
		c.volatile.witness = w
		encW := make([]byte, n)
		block.Encrypt(encW, w)
		return enc(0x7c, enc(0x80, encW)), swOK, nil
	case hasW && hasC && len(witness) == n && len(challenge) == n:
		want := c.volatile.witness
		c.volatile.witness = nil
		if want == nil || subtle.ConstantTimeCompare(want, witness) != 1 {
			return nil, swSecurityStatus, nil
		}
		resp := make([]byte, n)
		block.Encrypt(resp, challenge)
		c.volatile.mgmAuthed = true
		return enc(0x7c, enc(0x82, resp)), swOK, nil
	}
	return nil, swIncorrectData, nil
}

func (c *Card) doSetMgmKey(cmd command) ([]byte, uint16, error) {
	if !c.volatile.mgmAuthed {
		return nil, swSecurityStatus, nil
	}
	if cmd.p1 != 0xff || (cmd.p2 != 0xff && cmd.p2 != 0xfe) || len(cmd.data) < 3 {
		return nil, swIncorrectP1P2, nil
	}
	alg, ref, n, key := cmd.data[0], cmd.data[1], int(cmd.data[2]), cmd.data[3:]
	want := map[byte]int{alg3DES: 24, algAES128: 16, algAES192: 24, algAES256: 32}[alg]
	if ref != refMgm || want == 0 || n != want || len(key) != want {
		return nil, swIncorrectData, nil
	}
	if alg != alg3DES && !c.atLeast(5, 4, 0) {
		return nil, swIncorrectData, nil
	}
	c.mgmAlg, c.mgmKey, c.mgmDefault = alg, clone(key), false
	return nil, swOK, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
