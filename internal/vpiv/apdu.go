package vpiv

import "errors"

// ErrUnplug, returned by a touch hook, makes the card drop its vpcd
// connection without answering, as if it were pulled out mid-command.
var ErrUnplug = errors.New("vpiv: card unplugged")

// Instruction bytes (NIST SP 800-73-4 and Yubico extensions). Do NOT reorder.
const (
	insVerify          = 0x20
	insChangeReference = 0x24
	insResetRetry      = 0x2c
	insGenerate        = 0x47
	insAuthenticate    = 0x87
	insSelect          = 0xa4
	insGetResponse     = 0xc0
	insGetData         = 0xcb
	insPutData         = 0xdb
	insGetMetadata     = 0xf7
	insGetSerial       = 0xf8
	insAttest          = 0xf9
	insSetPINRetries   = 0xfa
	insReset           = 0xfb
	insGetVersion      = 0xfd
	insImportKey       = 0xfe
	insSetMgmKey       = 0xff
)

// command is one parsed short APDU.
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
}

// maxShortResponse is the most data one short response APDU carries; the
// rest waits for GET RESPONSE (61xx).
const maxShortResponse = 256

// Transmit answers one command APDU and returns the response APDU (data
// followed by SW1 SW2). It returns nil if the card was unplugged while
// answering.
func (c *Card) Transmit(apdu []byte) []byte {
	resp, err := c.transmit(apdu)
	if err != nil {
		return nil
	}
	return resp
}

func (c *Card) transmit(apdu []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.transmitted++
	cmd, ok := parseAPDU(apdu)
	if !ok {
		return sw(nil, swWrongLength), nil
	}
	if cmd.ins == insGetResponse {
		return c.nextChunk(), nil
	}
	c.volatile.pending = nil
	if cmd.cla&0x10 != 0 {
		c.volatile.chain = append(c.volatile.chain, cmd.data...)
		c.volatile.chainINS = cmd.ins
		return sw(nil, swOK), nil
	}
	if c.volatile.chain != nil {
		if c.volatile.chainINS != cmd.ins {
			c.volatile.chain = nil
			return sw(nil, swConditions), nil
		}
		cmd.data = append(c.volatile.chain, cmd.data...)
		c.volatile.chain = nil
	}
	if cmd.cla&^0x10 != 0 {
		return sw(nil, swClaNotSupported), nil
	}
	data, status, err := c.dispatch(cmd)
	if err != nil {
		return nil, err
	}
	if status != swOK {
		return sw(nil, status), nil
	}
	c.volatile.pending = data
	return c.nextChunk(), nil
}

// nextChunk returns up to maxShortResponse pending bytes, with 61xx when
// more remain.
func (c *Card) nextChunk() []byte {
	p := c.volatile.pending
	if len(p) <= maxShortResponse {
		c.volatile.pending = nil
		return sw(p, swOK)
	}
	c.volatile.pending = p[maxShortResponse:]
	left := len(c.volatile.pending)
	if left > 0xff {
		left = 0
	}
	return sw(p[:maxShortResponse], 0x6100|uint16(left))
}

func (c *Card) dispatch(cmd command) ([]byte, uint16, error) {
	switch cmd.ins {
	case insSelect:
		return c.doSelect(cmd)
	case insGetVersion:
		v := c.opts.Version
		return []byte{v[0], v[1], v[2]}, swOK, nil
	case insGetSerial:
		s := c.opts.Serial
		return []byte{byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}, swOK, nil
	case insVerify:
		return c.doVerify(cmd)
	case insChangeReference:
		return c.doChangeReference(cmd)
	case insResetRetry:
		return c.doResetRetry(cmd)
	case insSetPINRetries:
		return c.doSetPINRetries(cmd)
	case insReset:
		return c.doReset()
	case insGetMetadata:
		return c.doMetadata(cmd)
	case insAuthenticate:
		return c.doAuthenticate(cmd)
	case insGenerate:
		return c.doGenerate(cmd)
	case insImportKey:
		return c.doImport(cmd)
	case insGetData:
		return c.doGetData(cmd)
	case insPutData:
		return c.doPutData(cmd)
	case insAttest:
		return c.doAttest(cmd)
	case insSetMgmKey:
		return c.doSetMgmKey(cmd)
	}
	return nil, swInsNotSupported, nil
}

func (c *Card) doSelect(cmd command) ([]byte, uint16, error) {
	aid := []byte{0xa0, 0x00, 0x00, 0x03, 0x08}
	if cmd.p1 != 0x04 || len(cmd.data) < len(aid) || string(cmd.data[:len(aid)]) != string(aid) {
		return nil, swFileNotFound, nil
	}
	c.volatile = session{}
	// Application property template: the full PIV AID and a version.
	full := []byte{0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00}
	return enc(0x61, append(enc(0x4f, full[5:]), enc(0x79, enc(0x4f, full))...)), swOK, nil
}

// parseAPDU decodes a short command APDU (ISO 7816-4 cases 1 to 4).
func parseAPDU(b []byte) (command, bool) {
	if len(b) < 4 {
		return command{}, false
	}
	cmd := command{cla: b[0], ins: b[1], p1: b[2], p2: b[3]}
	switch rest := b[4:]; {
	case len(rest) <= 1: // case 1, case 2 (Le only), or Lc = 0
	case int(rest[0])+1 == len(rest): // case 3
		cmd.data = rest[1:]
	case int(rest[0])+2 == len(rest): // case 4
		cmd.data = rest[1 : len(rest)-1]
	default:
		return command{}, false
	}
	return cmd, true
}

func sw(data []byte, status uint16) []byte {
	out := make([]byte, 0, len(data)+2)
	out = append(out, data...)
	return append(out, byte(status>>8), byte(status))
}
