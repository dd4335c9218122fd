package tka

// Malformed inputs, built by hand so that the table doubles as a description
// of the wire format. Every CBOR input is also given to tailscale.com/tka,
// which must agree on accept or reject.
//
// CBOR reminders: the first byte of an item is its head, major type in the
// top three bits (0 uint, 1 negative int, 2 byte string, 3 text, 4 array,
// 5 map, 6 tag, 7 simple/float), the length or value in the low five bits
// (< 24 inline, 24/25/26/27 = 1/2/4/8 bytes follow, 31 = indefinite).
// Map keys of the wire types are small uints (one byte 0x01..0x17).

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2s"
)

// Parts of well-formed inputs that the cases below combine.
var (
	// bytes(32): head 58 20 (byte string, one-byte length 0x20), 32 bytes.
	mfPubA  = "5820" + strings.Repeat("aa", 32)
	mfPubB  = "5820" + strings.Repeat("bb", 32)
	mfHash  = "5820" + strings.Repeat("cc", 32)
	mfDis1  = "5820" + strings.Repeat("d1", 32)
	mfDis2  = "5820" + strings.Repeat("d2", 32)
	mfPub31 = "581f" + strings.Repeat("aa", 31) // bytes(31)
	// bytes(64): head 58 40, an Ed25519-sized signature.
	mfSig64 = "5840" + strings.Repeat("55", 64)
	mfSig63 = "583f" + strings.Repeat("55", 63)
	// bytes(34): "np" (6e 70) + 32 bytes, a node key's binary form.
	mfNodeKey = "5822" + "6e70" + strings.Repeat("ee", 32)

	// Key{Kind: 25519, Votes: 1, Public: pubA}: map(3), 1: 1, 2: 1, 3: pubA.
	mfKeyA = "a3 0101 0201 03" + mfPubA
	mfKeyB = "a3 0101 0201 03" + mfPubB
	// A checkpoint State: map(4), 1: null (LastAUMHash), 2: [dis1],
	// 3: [keyA], 4: 7 (StateID1).
	mfState = "a4 01f6 0281" + mfDis1 + "0381" + mfKeyA + "0407"
	// One Signature: map(2), 1: pubA (KeyID), 2: sig64.
	mfSigEntry = "a2 01" + mfPubA + "02" + mfSig64
)

// mfHex decodes hex written in parts with spaces.
func mfHex(parts ...string) []byte {
	s := strings.ReplaceAll(strings.Join(parts, ""), " ", "")
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("bad test hex %q: %v", s, err))
	}
	return b
}

// mfRepeat returns n copies of a hex part.
func mfRepeat(part string, n int) string { return strings.Repeat(part, n) }

// mfMetaPairs is the hex of n text→text pairs with distinct 4-digit keys
// and empty values (64 = text(4), 60 = text(0)).
func mfMetaPairs(n int) string {
	var sb strings.Builder
	for i := range n {
		sb.WriteString("64" + hex.EncodeToString([]byte(fmt.Sprintf("%04d", i))) + "60")
	}
	return sb.String()
}

// mfKeys is the hex of n distinct valid keys (public key = i as 32 bytes).
func mfKeys(n int) string {
	var sb strings.Builder
	for i := range n {
		pub := make([]byte, 32)
		pub[0], pub[1] = byte(i>>8), byte(i)
		sb.WriteString("a3 0101 0201 03 5820" + hex.EncodeToString(pub))
	}
	return sb.String()
}

// mfDisValues is the hex of n distinct 32-byte disablement values.
func mfDisValues(n int) string {
	var sb strings.Builder
	for i := range n {
		v := bytes.Repeat([]byte{byte(i)}, 32)
		sb.WriteString("5820" + hex.EncodeToString(v))
	}
	return sb.String()
}

// mfNestedRotations wraps a direct signature in depth-1 rotation
// signatures, so the outermost map is depth maps deep.
func mfNestedRotations(depth int) string {
	// Direct: map(4), 1: 1 (direct), 2: node key, 3: pubA (KeyID), 4: sig.
	s := "a4 0101 02" + mfNodeKey + "03" + mfPubA + "04" + mfSig64
	for range depth - 1 {
		// Rotation: map(4), 1: 2 (rotation), 2: node key, 4: sig, 5: nested.
		s = "a4 0102 02" + mfNodeKey + "04" + mfSig64 + "05" + s
	}
	return s
}

// mfCBOR is one CBOR input and what must come of it.
type mfCBOR struct {
	name string
	in   []byte
	// exact is our whole error; contains a part of it (errors from the
	// CBOR decoder). Both empty: the input is accepted.
	exact, contains string
	// canon, if set, is the canonical re-encoding of an accepted input that
	// is not canonical itself (so its hash is not that of its bytes).
	canon []byte
}

func mfAUMCases() []mfCBOR {
	noop := "a2 0103 02" + mfHash // map(2), 1: 3 (no-op), 2: parent hash
	return []mfCBOR{
		// Truncated and trailing data.
		{name: "empty input", in: mfHex(""), contains: "EOF"},
		{name: "map head only", in: mfHex("a2"), contains: "unexpected EOF"},
		{name: "value missing", in: mfHex("a2 0103 02"), contains: "unexpected EOF"},
		{name: "byte string cut short", in: mfHex("a2 0103 02 5820 cccc"), contains: "unexpected EOF"},
		{name: "two-byte uint cut short", in: mfHex("a2 01 19 00"), contains: "unexpected EOF"},
		{name: "trailing byte", in: mfHex(noop, "00"), contains: "extraneous data"},
		{name: "two AUMs back to back", in: mfHex(noop, noop), contains: "extraneous data"},
		{name: "reserved head 0x1c", in: mfHex("a2 01 1c 02f6"), contains: "invalid additional information 28"},
		{name: "lone break byte", in: mfHex("ff"), contains: "unexpected \"break\" code"},

		// Duplicate map keys, at every level.
		{name: "duplicate AUM key", in: mfHex("a3 0103 02f6 0103"), contains: "duplicate map key 1 at map element index"},
		{name: "duplicate Key key", in: mfHex("a2 0101 03 a4 0101 0201 03", mfPubA, "0201"), contains: "duplicate map key 2 at map element index 3"},
		{name: "duplicate State key", in: mfHex("a3 0105 02f6 05 a5 01f6 0281", mfDis1, "0381", mfKeyA, "0407 0408"), contains: "duplicate map key 4 at map element index 4"},
		{name: "duplicate Meta key", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 a2 616b 6131 616b 6132"), contains: `duplicate map key "k" at map element index 1`},
		{name: "duplicate Signature key", in: mfHex("a3 0103 02", mfHash, "17 81 a3 01", mfPubA, "02", mfSig64, "01", mfPubA), contains: "duplicate map key 1 at map element index"},

		// Indefinite lengths (head low bits 31, ended by ff).
		{name: "indefinite AUM map", in: mfHex("bf 0103 02f6 ff"), contains: "indefinite-length map isn't allowed"},
		{name: "indefinite signature array", in: mfHex("a3 0103 02", mfHash, "17 9f", mfSigEntry, "ff"), contains: "indefinite-length array isn't allowed"},
		{name: "indefinite byte string", in: mfHex("a2 0103 02 5f 4100 ff"), contains: "indefinite-length byte string isn't allowed"},
		{name: "indefinite text in Meta", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 a1 7f 616b ff 6131"), contains: "indefinite-length UTF-8 text string isn't allowed"},

		// Tags (major type 6).
		{name: "tag around the AUM", in: mfHex("d9 d9f7", noop), contains: "CBOR tag isn't allowed"},
		{name: "tag on PrevAUMHash", in: mfHex("a2 0103 02 d818", mfHash), contains: "CBOR tag isn't allowed"},
		{name: "bignum tag on Votes", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "06 c2 4101"), contains: "CBOR tag isn't allowed"},

		// Wrong types for every AUM field.
		{name: "AUM is an array", in: mfHex("82 01 f6"), contains: "cannot unmarshal array into Go value of type tka.AUM"},
		{name: "MessageKind text", in: mfHex("a2 01 6161 02f6"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.AUM.1 of type tka.AUMKind"},
		{name: "MessageKind negative", in: mfHex("a2 01 20 02f6"), contains: "cannot unmarshal negative integer into Go struct field tka.AUM.1 of type tka.AUMKind"},
		{name: "MessageKind 256 overflows", in: mfHex("a2 01 190100 02f6"), contains: "overflows"},
		{name: "MessageKind bool", in: mfHex("a2 01 f5 02f6"), contains: "cannot unmarshal primitives into Go struct field tka.AUM.1 of type tka.AUMKind"},
		{name: "MessageKind float", in: mfHex("a2 01 f93c00 02f6"), contains: "cannot unmarshal primitives into Go struct field tka.AUM.1 of type tka.AUMKind"},
		{name: "PrevAUMHash uint", in: mfHex("a2 0103 02 01"), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.2 of type []uint8"},
		{name: "PrevAUMHash text", in: mfHex("a2 0103 02 6161"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.AUM.2 of type []uint8"},
		{name: "Key bytes", in: mfHex("a3 0101 02", mfHash, "03 4100"), contains: "cannot unmarshal byte string into Go struct field tka.AUM.3 of type tka.Key"},
		{name: "KeyID uint", in: mfHex("a3 0102 02", mfHash, "04 00"), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.4 of type tka.KeyID"},
		{name: "KeyID array of text", in: mfHex("a3 0102 02", mfHash, "04 81 6161"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.AUM.4 of type uint8"},
		// The decoder takes an array of small uints for a byte string, for
		// every []byte field: a non-canonical spelling of the same AUM.
		{name: "KeyID as an array of uints", in: mfHex("a3 0102 02", mfHash, "04 9820", mfRepeat("18aa", 32)), canon: mfHex("a3 0102 02", mfHash, "04", mfPubA)},
		{name: "KeyID element 256 overflows", in: mfHex("a3 0102 02", mfHash, "04 81 190100"), contains: "overflows"},
		{name: "State uint", in: mfHex("a3 0105 02f6 05 00"), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.5 of type tka.State"},
		{name: "Votes negative", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "06 20"), contains: "cannot unmarshal negative integer into Go struct field tka.AUM.6 of type uint"},
		{name: "Votes text", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "06 6131"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.AUM.6 of type uint"},
		{name: "Meta array", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 80"), contains: "cannot unmarshal array into Go struct field tka.AUM.7 of type map[string]string"},
		{name: "Meta value uint", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 a1 616b 01"), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.7 of type string"},
		{name: "Meta key uint", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 a1 01 6131"), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.7 of type string"},
		{name: "Meta text not UTF-8", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 a1 616b 61ff"), contains: "invalid UTF-8 string"},
		{name: "Signatures map", in: mfHex("a3 0103 02", mfHash, "17 a0"), contains: "cannot unmarshal map into Go struct field tka.AUM.23 of type []tka.Signature"},
		{name: "Signature uint", in: mfHex("a3 0103 02", mfHash, "17 81 00"), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.23 of type tka.Signature"},

		// Wrong types for every Key field.
		{name: "Key.Kind text", in: mfHex("a3 0101 02", mfHash, "03 a3 01 6131 0201 03", mfPubA), contains: "Go struct field tka.AUM.3 of type tka.KeyKind"},
		{name: "Key.Votes bytes", in: mfHex("a3 0101 02", mfHash, "03 a3 0101 02 4101 03", mfPubA), contains: "cannot unmarshal byte string into Go struct field tka.AUM.3 of type uint"},
		{name: "Key.Votes negative", in: mfHex("a3 0101 02", mfHash, "03 a3 0101 02 20 03", mfPubA), contains: "cannot unmarshal negative integer into Go struct field tka.AUM.3 of type uint"},
		{name: "Key.Public uint", in: mfHex("a3 0101 02", mfHash, "03 a3 0101 0201 03 00"), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.3 of type []uint8"},
		{name: "Key.Meta bytes", in: mfHex("a3 0101 02", mfHash, "03 a4 0101 0201 03", mfPubA, "0c 4100"), contains: "cannot unmarshal byte string into Go struct field tka.AUM.3 of type map[string]string"},

		// Wrong types for every State field.
		{name: "State.LastAUMHash uint", in: mfHex("a3 0105 02f6 05 a3 01 00 0281", mfDis1, "0381", mfKeyA), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.5 of type tka.AUMHash"},
		{name: "State.DisablementValues map", in: mfHex("a3 0105 02f6 05 a3 01f6 02 a0 0381", mfKeyA), contains: "cannot unmarshal map into Go struct field tka.AUM.5 of type [][]uint8"},
		{name: "State.DisablementValues element uint", in: mfHex("a3 0105 02f6 05 a3 01f6 0281 00 0381", mfKeyA), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.5 of type []uint8"},
		{name: "State.Keys bytes", in: mfHex("a3 0105 02f6 05 a3 01f6 0281", mfDis1, "03 4100"), contains: "cannot unmarshal byte string into Go struct field tka.AUM.5 of type []tka.Key"},
		{name: "State.Keys element bytes", in: mfHex("a3 0105 02f6 05 a3 01f6 0281", mfDis1, "0381 4100"), contains: "cannot unmarshal byte string into Go struct field tka.AUM.5 of type tka.Key"},
		{name: "State.StateID1 negative", in: mfHex("a3 0105 02f6 05 a4 01f6 0281", mfDis1, "0381", mfKeyA, "04 20"), contains: "cannot unmarshal negative integer into Go struct field tka.AUM.5 of type uint64"},
		{name: "State.StateID2 text", in: mfHex("a3 0105 02f6 05 a4 01f6 0281", mfDis1, "0381", mfKeyA, "05 6131"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.AUM.5 of type uint64"},

		// Wrong types for every Signature field.
		{name: "Signature.KeyID uint", in: mfHex("a3 0103 02", mfHash, "17 81 a2 01 00 02", mfSig64), contains: "cannot unmarshal positive integer into Go struct field tka.AUM.23 of type tka.KeyID"},
		{name: "Signature.Signature text", in: mfHex("a3 0103 02", mfHash, "17 81 a2 01", mfPubA, "02 6161"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.AUM.23 of type []uint8"},

		// Oversized containers: the decoder checks the count in the head.
		{name: "4097 signatures", in: mfHex("a3 0103 02", mfHash, "17 99 1001", mfRepeat("f6", 4097)), contains: "exceeded max number of elements 4096 for CBOR array"},
		{name: "4097 disablement values", in: mfHex("a3 0105 02f6 05 a3 01f6 02 99 1001", mfRepeat("f6", 4097), "0381", mfKeyA), contains: "exceeded max number of elements 4096 for CBOR array"},
		{name: "1025 Meta pairs", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 b9 0401", mfMetaPairs(1025)), contains: "exceeded max number of key-value pairs 1024 for CBOR map"},
		{name: "1025 pairs in the AUM map", in: mfHex("b9 0401 0103 02f6", mfRepeat("18ff 00", 1023)), contains: "exceeded max number of key-value pairs 1024 for CBOR map"},
		// 4096 null signatures decode (the cap is inclusive) but are not valid.
		{name: "4096 null signatures", in: mfHex("a3 0103 02", mfHash, "17 99 1000", mfRepeat("f6", 4096)),
			exact: "signature 0: want a 32-byte key ID and a 64-byte signature, got 0 and 0 bytes"},

		// Nesting: an unknown key (8) holding nested arrays. The AUM map is
		// level 1, so 15 arrays reach level 16 (allowed) and 16 reach 17.
		{name: "nesting 17 deep", in: mfHex("a3 0103 02", mfHash, "08", mfRepeat("81", 16), "00"), contains: "exceeded max nested level 16"},
		{name: "nesting 16 deep is allowed", in: mfHex("a3 0103 02", mfHash, "08", mfRepeat("81", 15), "00"), canon: mfHex(noop)},

		// Non-canonical encodings are accepted (by both): the AUM's hash is
		// that of its canonical re-encoding, not of the bytes received.
		{name: "kind in a two-byte head", in: mfHex("a2 01 1803 02", mfHash), canon: mfHex(noop)},
		{name: "byte string with a two-byte length", in: mfHex("a2 0103 02 590020", strings.Repeat("cc", 32)), canon: mfHex(noop)},
		{name: "map keys out of order", in: mfHex("a2 02", mfHash, "0103"), canon: mfHex(noop)},
		{name: "unknown key 8 dropped", in: mfHex("a3 0103 02", mfHash, "08 00"), canon: mfHex(noop)},
		{name: "PrevAUMHash absent, written as null", in: mfHex("a1 0103"), canon: mfHex("a2 0103 02f6")},
		{name: "empty signature list omitted", in: mfHex("a3 0103 02", mfHash, "17 80"), canon: mfHex(noop)},
		{name: "map head with a one-byte count", in: mfHex("b8 02 0103 02", mfHash), canon: mfHex(noop)},

		// Field values that Validate refuses.
		{name: "empty PrevAUMHash", in: mfHex("a2 0103 02 40"), exact: "PrevAUMHash is an empty byte string; a genesis AUM must leave it out"},
		{name: "key votes 4097", in: mfHex("a3 0101 02", mfHash, "03 a3 0101 02 191001 03", mfPubA), exact: "key: key votes 4097 exceed the maximum of 4096"},
		{name: "key votes 2^64-1", in: mfHex("a3 0101 02", mfHash, "03 a3 0101 02 1bffffffffffffffff 03", mfPubA), exact: "key: key votes 18446744073709551615 exceed the maximum of 4096"},
		{name: "key votes 0", in: mfHex("a3 0101 02", mfHash, "03 a3 0101 0200 03", mfPubA), exact: "key: key votes must be at least 1"},
		{name: "key votes absent", in: mfHex("a3 0101 02", mfHash, "03 a2 0101 03", mfPubA), exact: "key: key votes must be at least 1"},
		{name: "key kind 0", in: mfHex("a3 0101 02", mfHash, "03 a3 0100 0201 03", mfPubA), exact: "key: key kind invalid is not supported (only 25519)"},
		{name: "key kind 2", in: mfHex("a3 0101 02", mfHash, "03 a3 0102 0201 03", mfPubA), exact: "key: key kind Key?<2> is not supported (only 25519)"},
		// Metadata counts key and value bytes: "m" + 512 bytes = 513.
		{name: "key metadata 513 bytes", in: mfHex("a3 0101 02", mfHash, "03 a4 0101 0201 03", mfPubA, "0c a1 616d 790200", mfRepeat("78", 512)),
			exact: "key: key metadata is 513 bytes, more than the maximum of 512"},
		{name: "key metadata 512 bytes is allowed", in: mfHex("a3 0101 02", mfHash, "03 a4 0101 0201 03", mfPubA, "0c a1 616d 7901ff", mfRepeat("78", 511))},
		// Wrong key lengths: the static rules leave the public key's length
		// alone (a 31-byte key can never sign), but not a signature's key ID.
		{name: "add-key with a 31-byte public key is accepted", in: mfHex("a3 0101 02", mfHash, "03 a3 0101 0201 03", mfPub31)},
		{name: "signature key ID 31 bytes", in: mfHex("a3 0103 02", mfHash, "17 81 a2 01", mfPub31, "02", mfSig64),
			exact: "signature 0: want a 32-byte key ID and a 64-byte signature, got 31 and 64 bytes"},
		{name: "signature 63 bytes", in: mfHex("a3 0103 02", mfHash, "17 82", mfSigEntry, "a2 01", mfPubA, "02", mfSig63),
			exact: "signature 1: want a 32-byte key ID and a 64-byte signature, got 32 and 63 bytes"},
		{name: "signature without key ID", in: mfHex("a3 0103 02", mfHash, "17 81 a1 02", mfSig64),
			exact: "signature 0: want a 32-byte key ID and a 64-byte signature, got 0 and 64 bytes"},
		{name: "signature null", in: mfHex("a3 0103 02", mfHash, "17 81 a2 01", mfPubA, "02 f6"),
			exact: "signature 0: want a 32-byte key ID and a 64-byte signature, got 32 and 0 bytes"},

		// Checkpoint states.
		{name: "checkpoint names a last AUM", in: mfHex("a3 0105 02f6 05 a3 01", mfHash, "0281", mfDis1, "0381", mfKeyA),
			exact: "checkpoint state: a checkpoint state must not name a last AUM"},
		{name: "checkpoint without disablement values", in: mfHex("a3 0105 02f6 05 a3 01f6 02f6 0381", mfKeyA),
			exact: "checkpoint state: at least one disablement value is required"},
		{name: "checkpoint with 33 disablement values", in: mfHex("a3 0105 02f6 05 a3 01f6 02 9821", mfDisValues(33), "0381", mfKeyA),
			exact: "checkpoint state: too many disablement values (33, max 32)"},
		{name: "checkpoint with 32 disablement values is allowed", in: mfHex("a3 0105 02f6 05 a3 01f6 02 9820", mfDisValues(32), "0381", mfKeyA)},
		{name: "disablement value 31 bytes", in: mfHex("a3 0105 02f6 05 a3 01f6 0282", mfDis1, mfPub31, "0381", mfKeyA),
			exact: "checkpoint state: disablement value 1 is 31 bytes, want 32"},
		{name: "duplicate disablement values", in: mfHex("a3 0105 02f6 05 a3 01f6 0283", mfDis1, mfDis2, mfDis1, "0381", mfKeyA),
			exact: "checkpoint state: disablement value 2 duplicates value 0"},
		{name: "checkpoint without keys", in: mfHex("a3 0105 02f6 05 a3 01f6 0281", mfDis1, "03 80"),
			exact: "checkpoint state: at least one key is required"},
		{name: "checkpoint with 513 keys", in: mfHex("a3 0105 02f6 05 a3 01f6 0281", mfDis1, "03 990201", mfKeys(513)),
			exact: "checkpoint state: too many keys (513, max 512)"},
		{name: "checkpoint with 512 keys is allowed", in: mfHex("a3 0105 02f6 05 a3 01f6 0281", mfDis1, "03 990200", mfKeys(512))},
		{name: "duplicate keys", in: mfHex("a3 0105 02f6 05 a3 01f6 0281", mfDis1, "0383", mfKeyA, mfKeyB, mfKeyA),
			exact: "checkpoint state: key 2 duplicates key 0"},
		{name: "checkpoint key with 0 votes", in: mfHex("a3 0105 02f6 05 a3 01f6 0281", mfDis1, "0382", mfKeyA, "a3 0101 0200 03", mfPubB),
			exact: "checkpoint state: key 1: key votes must be at least 1"},

		// The fields each kind may carry.
		{name: "add-key without Key", in: mfHex(" a2 0101 02", mfHash), exact: "add-key AUM has no Key"},
		{name: "add-key with KeyID", in: mfHex("a4 0101 02", mfHash, "03", mfKeyA, "04", mfPubA), exact: "add-key AUM may carry only a Key"},
		{name: "add-key with empty KeyID", in: mfHex("a4 0101 02", mfHash, "03", mfKeyA, "04 40"), exact: "add-key AUM may carry only a Key"},
		{name: "add-key with Votes", in: mfHex("a4 0101 02", mfHash, "03", mfKeyA, "06 01"), exact: "add-key AUM may carry only a Key"},
		{name: "add-key with Meta", in: mfHex("a4 0101 02", mfHash, "03", mfKeyA, "07 a1 616b 6131"), exact: "add-key AUM may carry only a Key"},
		{name: "add-key with State", in: mfHex("a4 0101 02", mfHash, "03", mfKeyA, "05", mfState), exact: "add-key AUM may carry only a Key"},
		{name: "remove-key without KeyID", in: mfHex("a2 0102 02", mfHash), exact: "remove-key AUM has no KeyID"},
		{name: "remove-key with empty KeyID", in: mfHex("a3 0102 02", mfHash, "04 40"), exact: "remove-key AUM has no KeyID"},
		{name: "remove-key with Key", in: mfHex("a4 0102 02", mfHash, "03", mfKeyA, "04", mfPubA), exact: "remove-key AUM may carry only a KeyID"},
		{name: "remove-key with Votes", in: mfHex("a4 0102 02", mfHash, "04", mfPubA, "06 01"), exact: "remove-key AUM may carry only a KeyID"},
		{name: "remove-key with Meta", in: mfHex("a4 0102 02", mfHash, "04", mfPubA, "07 a0"), exact: "remove-key AUM may carry only a KeyID"},
		{name: "remove-key with State", in: mfHex("a4 0102 02", mfHash, "04", mfPubA, "05", mfState), exact: "remove-key AUM may carry only a KeyID"},
		{name: "update-key without KeyID", in: mfHex("a3 0104 02", mfHash, "06 02"), exact: "update-key AUM has no KeyID"},
		{name: "update-key changing nothing", in: mfHex("a3 0104 02", mfHash, "04", mfPubA), exact: "update-key AUM changes neither Votes nor Meta"},
		{name: "update-key with Key", in: mfHex("a5 0104 02", mfHash, "03", mfKeyA, "04", mfPubA, "06 02"), exact: "update-key AUM may carry only KeyID, Votes and Meta"},
		{name: "update-key with State", in: mfHex("a5 0104 02", mfHash, "04", mfPubA, "05", mfState, "06 02"), exact: "update-key AUM may carry only KeyID, Votes and Meta"},
		// An empty Meta map decodes as a non-nil map: it counts as a change.
		{name: "update-key with empty Meta is accepted", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "07 a0"), canon: mfHex("a3 0104 02", mfHash, "04", mfPubA)},
		// Votes of an update are checked when applied, not statically.
		{name: "update-key to 4097 votes is statically accepted", in: mfHex("a4 0104 02", mfHash, "04", mfPubA, "06 191001")},
		{name: "checkpoint without State", in: mfHex("a2 0105 02f6"), exact: "checkpoint AUM has no State"},
		{name: "checkpoint with KeyID", in: mfHex("a4 0105 02f6 04", mfPubA, "05", mfState), exact: "checkpoint AUM may carry only a State"},
		{name: "checkpoint with Key", in: mfHex("a4 0105 02f6 03", mfKeyA, "05", mfState), exact: "checkpoint AUM may carry only a State"},
		{name: "checkpoint with Votes", in: mfHex("a4 0105 02f6 05", mfState, "06 01"), exact: "checkpoint AUM may carry only a State"},
		{name: "checkpoint with Meta", in: mfHex("a4 0105 02f6 05", mfState, "07 a1 616b 6131"), exact: "checkpoint AUM may carry only a State"},
		// A State on another kind must still be a valid checkpoint state.
		{name: "no-op with a bad State", in: mfHex("a3 0103 02", mfHash, "05 a3 01f6 02f6 0381", mfKeyA), exact: "checkpoint state: at least one disablement value is required"},
		// Kinds from newer clients and the invalid kind 0 pass static checks.
		{name: "unknown kind 9 is accepted", in: mfHex("a2 0109 02", mfHash)},
		{name: "kind 0 is statically accepted", in: mfHex("a2 0100 02", mfHash)},
	}
}

func mfNKSCases() []mfCBOR {
	direct := mfNestedRotations(1)
	return []mfCBOR{
		{name: "nks empty input", in: mfHex(""), contains: "EOF"},
		{name: "nks truncated", in: mfHex(direct)[:40], contains: "unexpected EOF"},
		{name: "nks trailing byte", in: mfHex(direct, "00"), contains: "extraneous data"},
		{name: "nks duplicate key", in: mfHex("a3 0101 03", mfPubA, "0102"), contains: "duplicate map key 1 at map element index"},
		{name: "nks duplicate key in nested", in: mfHex("a3 0102 04", mfSig64, "05 a2 0101 0101"), contains: "duplicate map key 1 at map element index"},
		{name: "nks indefinite map", in: mfHex("bf 0101 ff"), contains: "indefinite-length map isn't allowed"},
		{name: "nks indefinite Pubkey", in: mfHex("a2 0101 02 5f 426e70 ff"), contains: "indefinite-length byte string isn't allowed"},
		{name: "nks tag", in: mfHex("c1 a1 0101"), contains: "CBOR tag isn't allowed"},
		{name: "nks tag on nested", in: mfHex("a2 0102 05 d818 a1 0101"), contains: "CBOR tag isn't allowed"},
		{name: "nks is bytes", in: mfHex("4100"), contains: "cannot unmarshal byte string into Go value of type tka.NodeKeySignature"},
		{name: "nks SigKind text", in: mfHex("a1 01 6131"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.NodeKeySignature.1 of type tka.SigKind"},
		{name: "nks SigKind 256", in: mfHex("a1 01 190100"), contains: "overflows"},
		{name: "nks Pubkey uint", in: mfHex("a2 0101 02 00"), contains: "cannot unmarshal positive integer into Go struct field tka.NodeKeySignature.2 of type []uint8"},
		{name: "nks KeyID map", in: mfHex("a2 0101 03 a0"), contains: "cannot unmarshal map into Go struct field tka.NodeKeySignature.3 of type []uint8"},
		{name: "nks Signature map", in: mfHex("a2 0101 04 a0"), contains: "cannot unmarshal map into Go struct field tka.NodeKeySignature.4 of type []uint8"},
		{name: "nks Signature empty array dropped", in: mfHex("a2 0101 04 80"), canon: mfHex("a1 0101")},
		{name: "nks Nested bytes", in: mfHex("a2 0102 05 4100"), contains: "cannot unmarshal byte string into Go struct field tka.NodeKeySignature.5 of type tka.NodeKeySignature"},
		{name: "nks WrappingPubkey text", in: mfHex("a2 0103 06 6161"), contains: "cannot unmarshal UTF-8 text string into Go struct field tka.NodeKeySignature.6 of type []uint8"},
		{name: "nks unknown key with 4097 elements", in: mfHex("a2 0101 07 991001", mfRepeat("00", 4097)), contains: "exceeded max number of elements 4096 for CBOR array"},
		{name: "17 nested signatures", in: mfHex(mfNestedRotations(17)), contains: "exceeded max nested level 16"},
		{name: "16 nested signatures are allowed", in: mfHex(mfNestedRotations(16))},
		{name: "nks non-canonical kind accepted", in: mfHex("a1 01 1801"), canon: mfHex("a1 0101")},
		// An empty byte string is dropped by omitempty on re-encoding.
		{name: "nks empty Pubkey dropped", in: mfHex("a2 0101 02 40"), canon: mfHex("a1 0101")},
		{name: "nks null Nested dropped", in: mfHex("a2 0102 05 f6"), canon: mfHex("a1 0102")},
	}
}

// ourAUMVerdict and tsAUMVerdict decode and statically validate.
func ourAUMVerdict(b []byte) (*AUM, error) {
	u, err := DecodeAUM(b)
	if err != nil {
		return nil, err
	}
	return u, u.Validate()
}

func tsAUMVerdict(th theirTKA, b []byte) (theirAUM, error) {
	u := th.decodeAUM(b)
	if u.err != nil {
		return u, u.err
	}
	return u, u.invalid
}

// checkReencoding checks that both decoders re-encode an accepted input
// to the same canonical bytes: the input itself, or c.canon when given.
func (c mfCBOR) checkReencoding(t *testing.T, ours, theirs []byte) {
	t.Helper()
	want := c.in
	if c.canon != nil {
		want = c.canon
	}
	if !bytes.Equal(ours, want) {
		t.Fatalf("re-encoding:\n got %x\nwant %x", ours, want)
	}
	if !bytes.Equal(theirs, want) {
		t.Fatalf("tailscale.com re-encodes to %x, want %x", theirs, want)
	}
}

// check compares the verdicts and our error with the case's. It reports
// false when th accepts what we refuse by a known difference of older
// releases (releasediff_test.go): nothing more to compare.
func (c mfCBOR) check(t *testing.T, th theirTKA, ourErr error, theirErr error) bool {
	t.Helper()
	if (ourErr == nil) != (theirErr == nil) {
		if knownDiff(th, ourErr, theirErr) != nil {
			return false
		}
		t.Fatalf("tailscale.com disagrees on %x:\n ours: %v\ntheirs: %v", c.in, ourErr, theirErr)
	}
	switch {
	case c.exact == "" && c.contains == "":
		if ourErr != nil {
			t.Fatalf("want accepted, got %v", ourErr)
		}
	case ourErr == nil:
		t.Fatalf("accepted, want an error (%s%s)", c.exact, c.contains)
	case c.exact != "" && ourErr.Error() != c.exact:
		t.Fatalf("error:\n got %v\nwant %s", ourErr, c.exact)
	case c.contains != "" && !strings.Contains(ourErr.Error(), c.contains):
		t.Fatalf("error:\n got %v\nwant it to contain %s", ourErr, c.contains)
	}
	return true
}

func TestMalformedAUMs(t *testing.T) { testMalformedAUMs(t, pinned) }

func testMalformedAUMs(t *testing.T, th theirTKA) int {
	cases := mfAUMCases()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ours, ourErr := ourAUMVerdict(c.in)
			theirs, theirErr := tsAUMVerdict(th, c.in)
			if !c.check(t, th, ourErr, theirErr) || ourErr != nil {
				return
			}
			c.checkReencoding(t, ours.Serialize(), theirs.enc)
		})
	}
	if len(cases) < 60 {
		t.Fatalf("only %d AUM cases", len(cases))
	}
	return len(cases)
}

func TestMalformedNodeKeySignatures(t *testing.T) { testMalformedNKS(t, pinned) }

func testMalformedNKS(t *testing.T, th theirTKA) int {
	cases := mfNKSCases()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ours, ourErr := DecodeNodeKeySignature(c.in)
			theirs := th.decodeNKS(c.in)
			if !c.check(t, th, ourErr, theirs.err) || ourErr != nil {
				return
			}
			c.checkReencoding(t, ours.Serialize(), theirs.enc)
		})
	}
	return len(cases)
}

// mfText is a text form that must be refused with exactly this error.
type mfText struct {
	name  string
	parse func(string) error
	in    string
	want  string
}

func mfTextCases() []mfText {
	tlpub := func(s string) error { _, err := ParseTLPub(s); return err }
	nodeKey := func(s string) error { _, err := ParseNodeKey(s); return err }
	dis := func(s string) error { _, err := ParseDisablement(s); return err }
	secret := func(s string) error { _, err := ParseDisablementSecret(s); return err }
	aumHash := func(s string) error { _, err := ParseAUMHash(s); return err }
	keyArg := func(s string) error { _, err := ParseKeyArg(s); return err }
	hexAUM := func(s string) error { _, err := ParseHexAUM(s); return err }
	wrapped := func(s string) error { _, err := ParseWrappedAuthKey(s); return err }
	logJSON := func(s string) error { _, err := ParseLogJSON([]byte(s)); return err }

	hex64 := strings.Repeat("ab", 32)
	b32 := strings.Repeat("A", 52)
	noop := mfHex("a2 0103 02", mfHash)
	rawNoop := base64URL(noop)
	directNKS := mfHex(mfNestedRotations(1))
	cred := mfHex("a3 0103 03", mfPubA, "04", mfSig64) // credential: kind 3, KeyID, Signature
	priv := strings.Repeat("A", 86)                    // 64 zero bytes, base64 without padding
	return []mfText{
		{"tlpub empty", tlpub, "", `tailnet-lock key "" does not start with "tlpub:"`},
		{"tlpub upper-case prefix", tlpub, "TLPUB:" + hex64, `tailnet-lock key "TLPUB:` + hex64 + `" does not start with "tlpub:"`},
		{"tlpub short", tlpub, "tlpub:abcd", `tailnet-lock key "tlpub:abcd": want 64 hex digits, got 4`},
		{"tlpub long", tlpub, "tlpub:" + hex64 + "00", `tailnet-lock key "tlpub:` + hex64 + `00": want 64 hex digits, got 66`},
		{"tlpub not hex", tlpub, "tlpub:" + strings.Repeat("zz", 32), `tailnet-lock key "tlpub:` + strings.Repeat("zz", 32) + `": not hex: encoding/hex: invalid byte: U+007A 'z'`},
		{"nlpub short", tlpub, "nlpub:ab", `tailnet-lock key "nlpub:ab": want 64 hex digits, got 2`},
		{"node key wrong prefix", nodeKey, "mkey:" + hex64, `node key "mkey:` + hex64 + `" does not start with "nodekey:"`},
		{"node key empty hex", nodeKey, "nodekey:", `node key "nodekey:": want 64 hex digits, got 0`},
		{"node key not hex", nodeKey, "nodekey:" + strings.Repeat("g0", 32), `node key "nodekey:` + strings.Repeat("g0", 32) + `": not hex: encoding/hex: invalid byte: U+0067 'g'`},
		{"disablement with the secret prefix", dis, "disablement-secret:" + hex64, `disablement value "` + ("disablement-secret:" + hex64)[:77] + `..." does not start with "disablement:"`},
		{"disablement short", dis, "disablement:ab", `disablement value: want 64 hex digits, got 2`},
		{"disablement not hex", dis, "disablement:" + strings.Repeat("x1", 32), `disablement value: not hex: encoding/hex: invalid byte: U+0078 'x'`},
		{"secret with the value prefix", secret, "disablement:ab", `disablement secret does not start with "disablement-secret:"`},
		{"secret empty", secret, "disablement-secret:", `disablement secret after "disablement-secret:" is not hex digits`},
		{"secret odd length", secret, "disablement-secret:ABC", `disablement secret after "disablement-secret:" is not hex digits`},
		{"aum hash empty", aumHash, "", `AUM hash "" has the wrong length: want 52 base32 or 64 hex digits`},
		{"aum hash 51 digits", aumHash, b32[:51], `AUM hash "` + b32[:51] + `" has the wrong length: want 52 base32 or 64 hex digits`},
		{"aum hash lower-case base32", aumHash, strings.ToLower(b32), `AUM hash "` + strings.ToLower(b32) + `" is not valid base32: illegal base32 data at input byte 0`},
		{"aum hash base32 with 1", aumHash, "1" + b32[1:], `AUM hash "1` + b32[1:] + `" is not valid base32: illegal base32 data at input byte 0`},
		{"aum hash 64 non-hex", aumHash, strings.Repeat("Z", 64), `AUM hash "` + strings.Repeat("Z", 64) + `" has the wrong length: want 52 base32 or 64 hex digits`},
		{"key arg votes 0", keyArg, "tlpub:" + hex64 + "?0", `key votes "0" must be a whole number from 1 to 4096`},
		{"key arg votes 4097", keyArg, "tlpub:" + hex64 + "?4097", `key votes "4097" must be a whole number from 1 to 4096`},
		{"key arg votes empty", keyArg, "tlpub:" + hex64 + "?", `key votes "" must be a whole number from 1 to 4096`},
		{"key arg votes negative", keyArg, "tlpub:" + hex64 + "?-1", `key votes "-1" must be a whole number from 1 to 4096`},
		{"key arg votes twice", keyArg, "tlpub:" + hex64 + "?1?2", `key votes "1?2" must be a whole number from 1 to 4096`},
		{"key arg bad key", keyArg, "tlpub:ab?2", `tailnet-lock key "tlpub:ab": want 64 hex digits, got 2`},
		{"hex AUM not hex", hexAUM, "zz", `AUM blob is not hex: encoding/hex: invalid byte: U+007A 'z'`},
		{"hex AUM odd", hexAUM, "a20", `AUM blob is not hex: encoding/hex: odd length hex string`},
		{"hex AUM empty", hexAUM, "  ", `decoding AUM: EOF`},
		{"hex AUM invalid", hexAUM, "A2010202" + strings.ToUpper(mfHash), `invalid AUM: remove-key AUM has no KeyID`},
		{"wrapped not wrapped", wrapped, "tskey-abc", `the pre-auth key is not wrapped (no "--TL" part)`},
		{"wrapped no dash", wrapped, "tskey-abc--TLAAAA", `the wrapped pre-auth key has no "-" between credential and private key`},
		{"wrapped credential not base64", wrapped, "tskey-abc--TL!!!!-" + priv, `the credential part of the wrapped pre-auth key is not base64`},
		{"wrapped credential padded", wrapped, "tskey-abc--TLAA==-" + priv, `the credential part of the wrapped pre-auth key is not base64`},
		{"wrapped credential not CBOR", wrapped, "tskey-abc--TL" + base64Raw([]byte{0xa1}) + "-" + priv, `decoding node-key signature: unexpected EOF`},
		{"wrapped carries a direct signature", wrapped, "tskey-abc--TL" + base64Raw(directNKS) + "-" + priv, `the wrapped pre-auth key carries a direct signature, not a credential`},
		{"wrapped private key short", wrapped, "tskey-abc--TL" + base64Raw(cred) + "-" + priv[:43], `the private-key part of the wrapped pre-auth key is not a base64 Ed25519 key`},
		{"wrapped private key not base64", wrapped, "tskey-abc--TL" + base64Raw(cred) + "-" + strings.Repeat("*", 86), `the private-key part of the wrapped pre-auth key is not a base64 Ed25519 key`},
		{"log JSON empty", logJSON, "", `reading lock log JSON: EOF`},
		{"log JSON cut short", logJSON, `{"SchemaVersion":"1"`, `reading lock log JSON: unexpected EOF`},
		{"log JSON schema 2", logJSON, `{"SchemaVersion":"2","Messages":[]}`, `lock log JSON has schema version "2"; this signet reads version 1`},
		{"log JSON no schema", logJSON, `{"Messages":[]}`, `lock log JSON has schema version ""; this signet reads version 1`},
		{"log JSON no messages", logJSON, `{"SchemaVersion":"1","Messages":[]}`, `no AUMs found in the input`},
		{"log JSON raw not base64url", logJSON, `{"SchemaVersion":"1","Messages":[{"Hash":"","Raw":"+/+/"}]}`, `message 0: Raw is not base64url: illegal base64 data at input byte 0`},
		{"log JSON raw not an AUM", logJSON, `{"SchemaVersion":"1","Messages":[{"Hash":"","Raw":"oQ=="}]}`, `AUM 0: decoding AUM: unexpected EOF`},
		{"log JSON raw invalid AUM", logJSON, `{"SchemaVersion":"1","Messages":[{"Hash":"","Raw":"` + base64URL(mfHex("a2 0102 02", mfHash)) + `"}]}`, `AUM 0: invalid: remove-key AUM has no KeyID`},
		{"log JSON wrong hash", logJSON, `{"SchemaVersion":"1","Messages":[{"Hash":"` + b32 + `","Raw":"` + rawNoop + `"}]}`,
			`AUM 0: its bytes hash to ` + blake2sHash(noop) + `, not to the stated ` + b32},
		{"log JSON legacy wrong type", logJSON, `[1]`, `reading lock log JSON: json: cannot unmarshal number into Go value of type tka.legacyLogEntry`},
		{"log JSON legacy missing hash", logJSON, `[{"Raw":"` + base64Std(noop) + `"}]`, `AUM 0: its bytes hash to ` + blake2sHash(noop) + `, not to the stated `},
	}
}

func base64URL(b []byte) string { return base64.URLEncoding.EncodeToString(b) }
func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
func base64Raw(b []byte) string { return base64.RawStdEncoding.EncodeToString(b) }
func blake2sHash(b []byte) string {
	return AUMHash(blake2s.Sum256(b)).String()
}

func TestMalformedText(t *testing.T) {
	for _, c := range mfTextCases() {
		t.Run(c.name, func(t *testing.T) {
			err := c.parse(c.in)
			if err == nil {
				t.Fatalf("%q accepted", c.in)
			}
			if err.Error() != c.want {
				t.Fatalf("error:\n got %v\nwant %s", err, c.want)
			}
		})
	}
}

// mfLink builds a deeplink from its parts; hm is left out when empty.
func mfLink(scheme, host, path string, d DeviceLink, hm string, drop string) string {
	q := url.Values{}
	for _, kv := range [][2]string{{"nk", d.NodeKey}, {"tp", d.TLPub}, {"dn", d.DeviceName}, {"os", d.OSName}, {"em", d.LoginName}, {"hm", hm}} {
		if kv[0] != drop {
			q.Set(kv[0], kv[1])
		}
	}
	return (&url.URL{Scheme: scheme, Host: host, Path: path, RawQuery: q.Encode()}).String()
}

func TestMalformedDeeplinks(t *testing.T) { testMalformedDeeplinks(t, pinned) }

func testMalformedDeeplinks(t *testing.T, th theirTKA) int {
	g := newChainGen(11, 0)
	both := bootstrapWith(t, th, g.genesis)
	id1, _ := both.ours.StateIDs()
	d := DeviceLink{
		NodeKey:    "nodekey:" + strings.Repeat("01", 32),
		TLPub:      "tlpub:" + strings.Repeat("02", 32),
		DeviceName: "laptop",
		OSName:     "linux",
		LoginName:  "alice@example.com",
	}
	hm := hex.EncodeToString(deeplinkMAC(id1, d))
	other := hex.EncodeToString(deeplinkMAC(id1+1, d))
	altered := d
	altered.DeviceName = "laptop2"
	cases := []struct{ name, link, want string }{
		{"not a URL", "tailscale://sign-device/v1/%zz", ""},
		{"no scheme", "://sign-device/v1/", "deeplink is not a URL: parse \"://sign-device/v1/\": missing protocol scheme"},
		{"https scheme", mfLink("https", "sign-device", "/v1/", d, hm, ""), `deeplink scheme is "https", want "tailscale"`},
		{"other host", mfLink("tailscale", "login", "/v1/", d, hm, ""), `deeplink command is "login", want "sign-device"`},
		{"version v2", mfLink("tailscale", "sign-device", "/v2/", d, hm, ""), `deeplink version is "v2"; only v1 is known, update signet for newer links`},
		{"no trailing slash", mfLink("tailscale", "sign-device", "/v1", d, hm, ""), "deeplink path must be /v1/"},
		{"extra path part", mfLink("tailscale", "sign-device", "/v1/x/", d, hm, ""), "deeplink path must be /v1/"},
		{"missing nk", mfLink("tailscale", "sign-device", "/v1/", d, hm, "nk"), "deeplink lacks the nk (node key) parameter"},
		{"missing tp", mfLink("tailscale", "sign-device", "/v1/", d, hm, "tp"), "deeplink lacks the tp (tailnet-lock key) parameter"},
		{"missing dn", mfLink("tailscale", "sign-device", "/v1/", d, hm, "dn"), "deeplink lacks the dn (device name) parameter"},
		{"missing em", mfLink("tailscale", "sign-device", "/v1/", d, hm, "em"), "deeplink lacks the em (login name) parameter"},
		{"missing hm", mfLink("tailscale", "sign-device", "/v1/", d, hm, "hm"), "deeplink lacks the hm (HMAC) parameter"},
		{"hm not hex", mfLink("tailscale", "sign-device", "/v1/", d, "zz"+hm[2:], ""), "deeplink hm (HMAC) is not hex"},
		{"hm truncated", mfLink("tailscale", "sign-device", "/v1/", d, hm[:62], ""), "deeplink HMAC does not match this authority: it was made for another tailnet or was altered"},
		{"hm of another authority", mfLink("tailscale", "sign-device", "/v1/", d, other, ""), "deeplink HMAC does not match this authority: it was made for another tailnet or was altered"},
		{"device name altered", mfLink("tailscale", "sign-device", "/v1/", altered, hm, ""), "deeplink HMAC does not match this authority: it was made for another tailnet or was altered"},
		// The os parameter is missing but hm was made over an empty os: the
		// check is on the HMAC only, as in tailscale.com (see vectors_test.go).
		{"missing os but hm of another os", mfLink("tailscale", "sign-device", "/v1/", d, hm, "os"), "deeplink HMAC does not match this authority: it was made for another tailnet or was altered"},
	}
	// Sanity: the unmodified link is valid for both.
	good := mfLink("tailscale", "sign-device", "/v1/", d, hm, "")
	if _, err := both.ours.ValidateDeeplink(good); err != nil {
		t.Fatalf("the unmodified link is refused: %v", err)
	}
	if r := both.theirs.validateDeeplink(good); !r.IsValid {
		t.Fatalf("tailscale.com refuses the unmodified link: %s", r.Error)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := both.ours.ValidateDeeplink(c.link)
			if err == nil {
				t.Fatalf("%s accepted", c.link)
			}
			if r := both.theirs.validateDeeplink(c.link); r.IsValid {
				t.Fatalf("tailscale.com accepts %s, we refuse it: %v", c.link, err)
			}
			// Without an authority, only the HMAC goes unchecked.
			if _, _, perr := ParseDeeplink(c.link); (perr == nil) != strings.Contains(c.want, "HMAC does not match") {
				t.Fatalf("ParseDeeplink: %v, for a link ValidateDeeplink refuses with %v", perr, err)
			}
			if c.want == "" {
				if !strings.HasPrefix(err.Error(), "deeplink is not a URL: ") {
					t.Fatalf("error %v, want a URL parse error", err)
				}
				return
			}
			if err.Error() != c.want {
				t.Fatalf("error:\n got %v\nwant %s", err, c.want)
			}
		})
	}
	return len(cases) + 1
}

// TestMalformedNodeKeyAuthorization: signatures that decode but must not
// authorize the node, each with our exact reason and tailscale.com's
// refusal; and two well-formed ones that must authorize.
func TestMalformedNodeKeyAuthorization(t *testing.T) { testMalformedNodeKeyAuthorization(t, pinned) }

func testMalformedNodeKeyAuthorization(t *testing.T, th theirTKA) int {
	g := newChainGen(12, 0)
	both := bootstrapWith(t, th, g.genesis)
	trusted := g.genesis.State.Keys[0]
	signer := testSigner{g.keys[string(trusted.Public)]}
	outsider := testSigner{newTestKey(g.r)}
	wrapPriv := newTestKey(g.r)
	wrapPub := wrapPriv.Public().(ed25519.PublicKey)
	var nk, oldNK NodeKey
	nk[0], oldNK[0] = 1, 2
	ctx := context.Background()

	// sign (re)signs s with priv after a change.
	sign := func(s *NodeKeySignature, priv ed25519.PrivateKey) *NodeKeySignature {
		h := s.SigHash()
		s.Signature = ed25519.Sign(priv, h[:])
		return s
	}
	direct := func() *NodeKeySignature {
		s, err := SignNodeKey(ctx, signer, nk, wrapPub)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rotation := func(nested *NodeKeySignature) *NodeKeySignature {
		return sign(&NodeKeySignature{SigKind: SigRotation, Pubkey: nk.Binary(), Nested: nested}, wrapPriv)
	}
	oldDirect := func() *NodeKeySignature {
		s, _ := SignNodeKey(ctx, signer, oldNK, wrapPub)
		return s
	}
	credential, _ := SignCredential(ctx, signer, wrapPub)
	notTrusted := func(id []byte) string { return "signed by " + FormatTLPub(id) + ", which is not a trusted key" }

	cases := []struct {
		name string
		sig  *NodeKeySignature
		want string // "" = authorized
	}{
		{"direct", direct(), ""},
		{"rotation over a credential", rotation(credential), ""},
		{"rotation over a direct signature", rotation(oldDirect()), ""},
		{"direct for another node key", func() *NodeKeySignature { s, _ := SignNodeKey(ctx, signer, oldNK, nil); return s }(), "signature does not authorize this node key"},
		{"direct with a 32-byte Pubkey (no np)", func() *NodeKeySignature {
			s := direct()
			s.Pubkey = nk[:]
			return sign(s, signer.priv)
		}(), "signature does not authorize this node key"},
		{"direct with a 31-byte key ID", func() *NodeKeySignature {
			s := direct()
			s.KeyID = s.KeyID[:31]
			return sign(s, signer.priv)
		}(), notTrusted(trusted.Public[:31])},
		{"direct by an outsider", func() *NodeKeySignature { s, _ := SignNodeKey(ctx, outsider, nk, nil); return s }(), notTrusted(outsider.PublicKey())},
		{"direct with a 63-byte signature", func() *NodeKeySignature { s := direct(); s.Signature = s.Signature[:63]; return s }(), "invalid signature"},
		{"direct with a 65-byte signature", func() *NodeKeySignature { s := direct(); s.Signature = append(s.Signature, 0); return s }(), "invalid signature"},
		{"direct without signature", func() *NodeKeySignature { s := direct(); s.Signature = nil; return s }(), "invalid signature"},
		{"direct without key ID", func() *NodeKeySignature { s := direct(); s.KeyID = nil; return sign(s, signer.priv) }(), "signature names no key ID"},
		{"direct nesting another", func() *NodeKeySignature { s := direct(); s.Nested = oldDirect(); return sign(s, signer.priv) }(), "direct signature must not nest another signature"},
		{"credential alone", credential, "a credential signature cannot authorize a node on its own"},
		{"kind 0", func() *NodeKeySignature { s := direct(); s.SigKind = SigInvalid; return sign(s, signer.priv) }(), "signature kind invalid cannot authorize a node"},
		{"kind 4", func() *NodeKeySignature { s := direct(); s.SigKind = 4; return sign(s, signer.priv) }(), "signature kind Sig?<4> cannot authorize a node"},
		{"rotation without nested", sign(&NodeKeySignature{SigKind: SigRotation, Pubkey: nk.Binary()}, wrapPriv), "rotation signature has no nested signature"},
		{"rotation over a direct without wrapping key", func() *NodeKeySignature {
			s, _ := SignNodeKey(ctx, signer, oldNK, nil)
			return rotation(s)
		}(), "rotation signature: the nested signature names no wrapping key"},
		{"rotation over a 31-byte wrapping key", func() *NodeKeySignature {
			s := oldDirect()
			s.WrappingPubkey = s.WrappingPubkey[:31]
			return rotation(sign(s, signer.priv))
		}(), "rotation signature: wrapping key is 31 bytes, want 32"},
		{"rotation over a 33-byte nested node key", func() *NodeKeySignature {
			s := oldDirect()
			s.Pubkey = append(s.Pubkey, 0)
			return rotation(sign(s, signer.priv))
		}(), `nested pubkey: node key must be "np" + 32 bytes, got 35 bytes`},
		{"rotation signed by the wrong key", func() *NodeKeySignature {
			s := rotation(oldDirect())
			return sign(s, signer.priv)
		}(), "invalid signature"},
		{"rotation over a damaged direct", func() *NodeKeySignature {
			s := oldDirect()
			s.Signature[0] ^= 1
			return rotation(s)
		}(), "invalid signature"},
		{"rotation for another node key", func() *NodeKeySignature {
			s := rotation(oldDirect())
			s.Pubkey = oldNK.Binary()
			return sign(s, wrapPriv)
		}(), "signature does not authorize this node key"},
	}
	var list []NodeKeyCheck
	for _, c := range cases {
		list = append(list, NodeKeyCheck{NodeKey: nk, Signature: c.sig.Serialize()})
	}
	bulk := both.ours.NodeKeysAuthorized(list)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.sig.Serialize()
			err := both.ours.NodeKeyAuthorized(nk, b)
			theirErr := both.theirs.nodeKeyAuthorized(nk, b)
			if (err == nil) != (theirErr == nil) {
				t.Fatalf("verdicts differ:\n ours: %v\ntheirs: %v", err, theirErr)
			}
			if (bulk[i] == nil) != (err == nil) {
				t.Fatalf("bulk verdict %v, single %v", bulk[i], err)
			}
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("error:\n got %v\nwant %s", err, c.want)
			}
		})
	}
	return len(cases)
}
