package terminal

import (
	"context"
	"errors"
	"os"
	"time"
)

// KeyKind is a decoded key press.
type KeyKind int

const (
	KeyByte      KeyKind = iota // a typed byte, in Key.B
	KeyEnter                    // Enter (CR or LF)
	KeyBackspace                // Backspace or Delete
	KeyClear                    // Ctrl-U: clear the input
	KeyDeny                     // Esc, Ctrl-C or Ctrl-D
	KeyRedraw                   // Ctrl-L
	KeyUp
	KeyDown
	KeyPgUp
	KeyPgDn
	KeyHome
	KeyEnd
)

// Key is one key press.
type Key struct {
	Kind KeyKind
	B    byte // the byte typed, for KeyByte
}

// escWait is how long a lone ESC waits for the rest of an escape sequence
// (an arrow key split across reads) before it counts as the Esc key.
const escWait = 50 * time.Millisecond

// ParseKeys decodes terminal input. An escape sequence cut off at the end
// of b is returned in rest unless final is set, in which case it counts as
// Esc.
func ParseKeys(b []byte, final bool) (keys []Key, rest []byte) {
	// Room for every byte up front: a growing slice would leave copies of
	// typed PIN bytes in the arrays it outgrew, which nobody wipes.
	keys = make([]Key, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] == 0x1b {
			k, n, ok := parseEscape(b[i:])
			if !ok && !final {
				return keys, b[i:]
			}
			if !ok {
				k, n = Key{Kind: KeyDeny}, len(b)-i
			}
			if k.Kind != KeyByte {
				keys = append(keys, k)
			}
			i += n
			continue
		}
		k, skip := controlKey(b, i)
		keys = append(keys, k)
		i += skip
	}
	return keys, nil
}

// controlKey decodes the non-escape byte b[i]; skip counts bytes used.
func controlKey(b []byte, i int) (Key, int) {
	switch c := b[i]; c {
	case '\r':
		if i+1 < len(b) && b[i+1] == '\n' {
			return Key{Kind: KeyEnter}, 2
		}
		return Key{Kind: KeyEnter}, 1
	case '\n':
		return Key{Kind: KeyEnter}, 1
	case 0x7f, 0x08:
		return Key{Kind: KeyBackspace}, 1
	case 0x15:
		return Key{Kind: KeyClear}, 1
	case 0x03, 0x04:
		return Key{Kind: KeyDeny}, 1
	case 0x0c:
		return Key{Kind: KeyRedraw}, 1
	default:
		return Key{Kind: KeyByte, B: c}, 1
	}
}

// parseEscape decodes an escape sequence at the start of b. ok is false
// when b ends before the sequence does. Unknown sequences decode to a
// key of kind KeyByte with B 0, which callers drop.
func parseEscape(b []byte) (k Key, n int, ok bool) {
	if len(b) < 2 {
		return Key{}, 0, false
	}
	switch b[1] {
	case '[':
		return parseCSI(b)
	case 'O':
		if len(b) < 3 {
			return Key{}, 0, false
		}
		return finalKey(b[2], ""), 3, true
	}
	// Esc followed by anything else (Esc pressed, then a key; or Alt+key).
	return Key{Kind: KeyDeny}, 1, true
}

// parseCSI decodes ESC [ params final.
func parseCSI(b []byte) (Key, int, bool) {
	for j := 2; j < len(b); j++ {
		if c := b[j]; c >= 0x40 && c <= 0x7e {
			return finalKey(c, string(b[2:j])), j + 1, true
		}
		if j-2 > 16 { // not a key any terminal sends; drop it
			return Key{Kind: KeyByte}, j + 1, true
		}
	}
	return Key{}, 0, false
}

// finalKey maps a CSI or SS3 final byte and its parameters to a key.
func finalKey(final byte, params string) Key {
	switch {
	case final == 'A':
		return Key{Kind: KeyUp}
	case final == 'B':
		return Key{Kind: KeyDown}
	case final == 'H' || final == '~' && (params == "1" || params == "7"):
		return Key{Kind: KeyHome}
	case final == 'F' || final == '~' && (params == "4" || params == "8"):
		return Key{Kind: KeyEnd}
	case final == '~' && params == "5":
		return Key{Kind: KeyPgUp}
	case final == '~' && params == "6":
		return Key{Kind: KeyPgDn}
	}
	return Key{Kind: KeyByte} // ignored
}

// KeyReader reads keys from a TTY in raw mode, waiting with deadlines so
// that a cancelled ctx, Stop or Wake interrupts it. It wipes what it read
// once decoded.
type KeyReader struct {
	t       *TTY
	buf     [256]byte
	pending []byte // an escape sequence cut off by the previous read
	escAt   time.Time
}

// Read returns the keys typed before until; none when until passed
// first. It fails when ctx is done, the TTY is stopped or reading fails.
func (kr *KeyReader) Read(ctx context.Context, until time.Time) ([]Key, error) {
	if len(kr.pending) > 0 && kr.escAt.Add(escWait).Before(until) {
		until = kr.escAt.Add(escWait)
	}
	kr.t.f.SetReadDeadline(until)
	if err := kr.stopped(ctx); err != nil {
		return nil, err
	}
	n, err := kr.t.f.Read(kr.buf[:])
	data := append(kr.pending, kr.buf[:n]...)
	clear(kr.buf[:n])
	kr.pending = nil
	defer clear(data)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, err
	}
	if err := kr.stopped(ctx); err != nil {
		return nil, err
	}
	final := n == 0 && !time.Now().Before(kr.escAt.Add(escWait))
	keys, rest := ParseKeys(data, final)
	if len(rest) > 0 {
		kr.pending = append([]byte(nil), rest...)
		if n > 0 {
			kr.escAt = time.Now()
		}
	}
	return keys, nil
}

// stopped reports why reading must stop, if it must.
func (kr *KeyReader) stopped(ctx context.Context) error {
	if kr.t.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// Keys returns a reader of t's keys; t must be in raw mode.
func (t *TTY) Keys() *KeyReader { return &KeyReader{t: t} }
