package vpiv

import "errors"

// errTLV is returned for command data that is not well-formed BER-TLV.
var errTLV = errors.New("vpiv: malformed tlv")

// tlv is one decoded tag-length-value element. Tags of up to three bytes are
// kept as their big-endian value (0x7F49, 0x5FC109).
type tlv struct {
	tag   uint32
	value []byte
}

// parseTLVs splits b into its top-level elements.
func parseTLVs(b []byte) ([]tlv, error) {
	var out []tlv
	for len(b) > 0 {
		tag, rest, err := readTag(b)
		if err != nil {
			return nil, err
		}
		n, rest, err := readLen(rest)
		if err != nil {
			return nil, err
		}
		if n > len(rest) {
			return nil, errTLV
		}
		out = append(out, tlv{tag: tag, value: rest[:n]})
		b = rest[n:]
	}
	return out, nil
}

func readTag(b []byte) (uint32, []byte, error) {
	if len(b) == 0 {
		return 0, nil, errTLV
	}
	tag := uint32(b[0])
	i := 1
	if b[0]&0x1f == 0x1f {
		for {
			if i >= len(b) || i > 3 {
				return 0, nil, errTLV
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	return tag, b[i:], nil
}

func readLen(b []byte) (int, []byte, error) {
	if len(b) == 0 {
		return 0, nil, errTLV
	}
	if b[0] < 0x80 {
		return int(b[0]), b[1:], nil
	}
	k := int(b[0] & 0x7f)
	if k == 0 || k > 3 || len(b) < 1+k {
		return 0, nil, errTLV
	}
	n := 0
	for _, c := range b[1 : 1+k] {
		n = n<<8 | int(c)
	}
	return n, b[1+k:], nil
}

// find returns the value of the first element with tag.
func find(ts []tlv, tag uint32) ([]byte, bool) {
	for _, t := range ts {
		if t.tag == tag {
			return t.value, true
		}
	}
	return nil, false
}

// enc encodes one element; tag may be one to three bytes.
func enc(tag uint32, value []byte) []byte {
	var out []byte
	switch {
	case tag > 0xffff:
		out = append(out, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xff:
		out = append(out, byte(tag>>8), byte(tag))
	default:
		out = append(out, byte(tag))
	}
	n := len(value)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, value...)
}
