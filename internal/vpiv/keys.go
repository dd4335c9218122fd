package vpiv

import (
	"crypto/ed25519"
	"crypto/rand"
	"time"
)

// slotObjects maps key slots to their certificate data objects.
var slotObjects = map[byte]uint32{
	0x9a: 0x5fc105, 0x9c: 0x5fc10a, 0x9d: 0x5fc10b, 0x9e: 0x5fc101,
}

func validSlot(s byte) bool {
	_, std := slotObjects[s]
	return std || (s >= 0x82 && s <= 0x95)
}

func (c *Card) doAuthenticate(cmd command) ([]byte, uint16, error) {
	if cmd.p2 == refMgm {
		return c.authManagement(cmd)
	}
	return c.sign(cmd)
}

// policies reads the AA (PIN policy) and AB (touch policy) tags, falling
// back to the YubiKey defaults for the slot.
func policies(ts []tlv, slot byte) (pin, touch byte, ok bool) {
	pin, touch = pinOnce, touchNever
	if slot == 0x9c {
		pin = pinAlways
	}
	if v, has := find(ts, 0xaa); has {
		if len(v) != 1 || v[0] < pinNever || v[0] > pinAlways {
			return 0, 0, false
		}
		pin = v[0]
	}
	if v, has := find(ts, 0xab); has {
		if len(v) != 1 || v[0] < touchNever || v[0] > touchCached {
			return 0, 0, false
		}
		touch = v[0]
	}
	return pin, touch, true
}

func (c *Card) doGenerate(cmd command) ([]byte, uint16, error) {
	if !c.volatile.mgmAuthed {
		return nil, swSecurityStatus, nil
	}
	if cmd.p1 != 0 || !validSlot(cmd.p2) {
		return nil, swIncorrectP1P2, nil
	}
	outer, err := parseTLVs(cmd.data)
	if err != nil || len(outer) != 1 || outer[0].tag != 0xac {
		return nil, swIncorrectData, nil
	}
	inner, err := parseTLVs(outer[0].value)
	if err != nil {
		return nil, swIncorrectData, nil
	}
	alg, _ := find(inner, 0x80)
	if len(alg) != 1 || alg[0] != algEd25519 || !c.atLeast(5, 7, 0) {
		return nil, swIncorrectData, nil
	}
	pin, touch, ok := policies(inner, cmd.p2)
	if !ok {
		return nil, swIncorrectData, nil
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, 0x6f00, nil
	}
	c.slots[cmd.p2] = &slotKey{alg: algEd25519, pin: pin, touch: touch, origin: originGenerated, priv: priv}
	return enc(0x7f49, enc(0x86, pub)), swOK, nil
}

func (c *Card) doImport(cmd command) ([]byte, uint16, error) {
	if !c.volatile.mgmAuthed {
		return nil, swSecurityStatus, nil
	}
	if cmd.p1 != algEd25519 || !validSlot(cmd.p2) || !c.atLeast(5, 7, 0) {
		return nil, swIncorrectP1P2, nil
	}
	ts, err := parseTLVs(cmd.data)
	if err != nil {
		return nil, swIncorrectData, nil
	}
	seed, _ := find(ts, 0x07)
	if len(seed) != ed25519.SeedSize {
		return nil, swIncorrectData, nil
	}
	pin, touch, ok := policies(ts, cmd.p2)
	if !ok {
		return nil, swIncorrectData, nil
	}
	priv := ed25519.NewKeyFromSeed(seed)
	c.slots[cmd.p2] = &slotKey{alg: algEd25519, pin: pin, touch: touch, origin: originImported, priv: priv}
	return nil, swOK, nil
}

// sign answers GENERAL AUTHENTICATE 7C{82 00, 81 message} on a key slot.
// Ed25519 signs the message itself, not a digest of it.
func (c *Card) sign(cmd command) ([]byte, uint16, error) {
	k := c.slots[cmd.p2]
	if k == nil {
		return nil, swRefNotFound, nil
	}
	if cmd.p1 != k.alg {
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
	msg, hasMsg := find(inner, 0x81)
	if _, hasResp := find(inner, 0x82); !hasMsg || !hasResp {
		return nil, swIncorrectData, nil
	}
	switch k.pin {
	case pinOnce:
		if !c.volatile.pinVerified {
			return nil, swSecurityStatus, nil
		}
	case pinAlways:
		if !c.volatile.pinAlways {
			return nil, swSecurityStatus, nil
		}
		c.volatile.pinAlways = false
	}
	if st, err := c.waitTouch(k.touch); st != swOK || err != nil {
		return nil, st, err
	}
	c.signs++
	sig := ed25519.Sign(k.priv, msg)
	return enc(0x7c, enc(0x82, sig)), swOK, nil
}

// waitTouch calls the touch hook without holding the card lock, so the hook
// may block, and may call Unplug.
func (c *Card) waitTouch(policy byte) (uint16, error) {
	if policy == touchNever || (policy == touchCached && time.Since(c.lastTouch) < touchCacheFor) {
		return swOK, nil
	}
	hook := c.touch
	if hook == nil {
		c.lastTouch = time.Now()
		return swOK, nil
	}
	c.mu.Unlock()
	err := hook()
	c.mu.Lock()
	switch {
	case err == ErrUnplug:
		return 0, ErrUnplug
	case err != nil:
		return swSecurityStatus, nil
	}
	c.lastTouch = time.Now()
	return swOK, nil
}

func (c *Card) doMetadata(cmd command) ([]byte, uint16, error) {
	flag := func(b bool) []byte {
		if b {
			return []byte{1}
		}
		return []byte{0}
	}
	switch cmd.p2 {
	case refPIN, refPUK:
		total, left, def := c.pinMax, c.pinLeft, c.pinDefault
		if cmd.p2 == refPUK {
			total, left, def = c.pukMax, c.pukLeft, c.pukDefault
		}
		out := enc(0x01, []byte{0xff})
		out = append(out, enc(0x05, flag(def))...)
		return append(out, enc(0x06, []byte{byte(total), byte(max(left, 0))})...), swOK, nil
	case refMgm:
		out := enc(0x01, []byte{c.mgmAlg})
		out = append(out, enc(0x02, []byte{0x00, touchNever})...)
		return append(out, enc(0x05, flag(c.mgmDefault))...), swOK, nil
	}
	k := c.slots[cmd.p2]
	if k == nil {
		return nil, swRefNotFound, nil
	}
	out := enc(0x01, []byte{k.alg})
	out = append(out, enc(0x02, []byte{k.pin, k.touch})...)
	out = append(out, enc(0x03, []byte{k.origin})...)
	pub := k.priv.Public().(ed25519.PublicKey)
	return append(out, enc(0x04, enc(0x86, pub))...), swOK, nil
}

// dataTag reads the 5C tag list of GET DATA and PUT DATA.
func dataTag(ts []tlv) (uint32, bool) {
	v, ok := find(ts, 0x5c)
	if !ok || len(v) == 0 || len(v) > 3 {
		return 0, false
	}
	var tag uint32
	for _, b := range v {
		tag = tag<<8 | uint32(b)
	}
	return tag, true
}

func (c *Card) doGetData(cmd command) ([]byte, uint16, error) {
	ts, err := parseTLVs(cmd.data)
	tag, ok := dataTag(ts)
	if err != nil || !ok || cmd.p1 != 0x3f || cmd.p2 != 0xff {
		return nil, swIncorrectData, nil
	}
	// The printed-information object holds the PIN-protected management key.
	if tag == 0x5fc109 && !c.volatile.pinVerified {
		return nil, swSecurityStatus, nil
	}
	obj, ok := c.objects[tag]
	if !ok {
		return nil, swFileNotFound, nil
	}
	return enc(0x53, obj), swOK, nil
}

func (c *Card) doPutData(cmd command) ([]byte, uint16, error) {
	if !c.volatile.mgmAuthed {
		return nil, swSecurityStatus, nil
	}
	ts, err := parseTLVs(cmd.data)
	tag, ok := dataTag(ts)
	body, hasBody := find(ts, 0x53)
	if err != nil || !ok || !hasBody || cmd.p1 != 0x3f || cmd.p2 != 0xff {
		return nil, swIncorrectData, nil
	}
	if len(body) == 0 {
		delete(c.objects, tag)
		return nil, swOK, nil
	}
	c.objects[tag] = clone(body)
	return nil, swOK, nil
}

// certObject wraps a DER certificate the way PIV stores it: 70 cert, 71 00
// (uncompressed), FE (no error detection code).
func certObject(der []byte) []byte {
	out := enc(0x70, der)
	out = append(out, enc(0x71, []byte{0})...)
	return append(out, enc(0xfe, nil)...)
}
