package signer

import (
	"context"
	"errors"
	"os"
	"time"
)

// keyKind is a decoded key press.
type keyKind int

const (
	keyByte      keyKind = iota // a typed byte, in key.b
	keyEnter                    // Enter (CR or LF)
	keyBackspace                // Backspace or Delete
	keyClear                    // Ctrl-U: clear the input
	keyDeny                     // Esc, Ctrl-C or Ctrl-D
	keyRedraw                   // Ctrl-L
	keyUp
	keyDown
	keyPgUp
	keyPgDn
	keyHome
	keyEnd
)

// key is one key press.
type key struct {
	kind keyKind
	b    byte
}

// escWait is how long a lone ESC waits for the rest of an escape sequence
// (an arrow key split across reads) before it counts as the Esc key.
const escWait = 50 * time.Millisecond

// parseKeys decodes terminal input. An escape sequence cut off at the end
// of b is returned in rest unless final is set, in which case it counts as
// Esc.
func parseKeys(b []byte, final bool) (keys []key, rest []byte) {
	// Room for every byte up front: a growing slice would leave copies of
	// typed PIN bytes in the arrays it outgrew, which nobody wipes.
	keys = make([]key, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] == 0x1b {
			k, n, ok := parseEscape(b[i:])
			if !ok && !final {
				return keys, b[i:]
			}
			if !ok {
				k, n = key{kind: keyDeny}, len(b)-i
			}
			if k.kind != keyByte {
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
func controlKey(b []byte, i int) (key, int) {
	switch c := b[i]; c {
	case '\r':
		if i+1 < len(b) && b[i+1] == '\n' {
			return key{kind: keyEnter}, 2
		}
		return key{kind: keyEnter}, 1
	case '\n':
		return key{kind: keyEnter}, 1
	case 0x7f, 0x08:
		return key{kind: keyBackspace}, 1
	case 0x15:
		return key{kind: keyClear}, 1
	case 0x03, 0x04:
		return key{kind: keyDeny}, 1
	case 0x0c:
		return key{kind: keyRedraw}, 1
	default:
		return key{kind: keyByte, b: c}, 1
	}
}

// parseEscape decodes an escape sequence at the start of b. ok is false
// when b ends before the sequence does. Unknown sequences decode to a
// key of kind keyByte with b 0, which callers drop.
func parseEscape(b []byte) (k key, n int, ok bool) {
	if len(b) < 2 {
		return key{}, 0, false
	}
	switch b[1] {
	case '[':
		return parseCSI(b)
	case 'O':
		if len(b) < 3 {
			return key{}, 0, false
		}
		return finalKey(b[2], ""), 3, true
	}
	// Esc followed by anything else (Esc pressed, then a key; or Alt+key).
	return key{kind: keyDeny}, 1, true
}

// parseCSI decodes ESC [ params final.
func parseCSI(b []byte) (key, int, bool) {
	for j := 2; j < len(b); j++ {
		if c := b[j]; c >= 0x40 && c <= 0x7e {
			return finalKey(c, string(b[2:j])), j + 1, true
		}
		if j-2 > 16 { // not a key any terminal sends; drop it
			return key{kind: keyByte}, j + 1, true
		}
	}
	return key{}, 0, false
}

// finalKey maps a CSI or SS3 final byte and its parameters to a key.
func finalKey(final byte, params string) key {
	switch {
	case final == 'A':
		return key{kind: keyUp}
	case final == 'B':
		return key{kind: keyDown}
	case final == 'H' || final == '~' && (params == "1" || params == "7"):
		return key{kind: keyHome}
	case final == 'F' || final == '~' && (params == "4" || params == "8"):
		return key{kind: keyEnd}
	case final == '~' && params == "5":
		return key{kind: keyPgUp}
	case final == '~' && params == "6":
		return key{kind: keyPgDn}
	}
	return key{kind: keyByte} // ignored
}

// keyReader reads keys from the console, waiting with deadlines so that a
// cancelled ctx, Close or a notice interrupts it.
type keyReader struct {
	c       *Console
	buf     [256]byte
	pending []byte // an escape sequence cut off by the previous read
	escAt   time.Time
}

// read returns the keys typed before until; none when until passed first.
func (kr *keyReader) read(ctx context.Context, until time.Time) ([]key, error) {
	if len(kr.pending) > 0 && kr.escAt.Add(escWait).Before(until) {
		until = kr.escAt.Add(escWait)
	}
	kr.c.f.SetReadDeadline(until)
	if err := kr.stopped(ctx); err != nil {
		return nil, err
	}
	n, err := kr.c.f.Read(kr.buf[:])
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
	keys, rest := parseKeys(data, final)
	if len(rest) > 0 {
		kr.pending = append([]byte(nil), rest...)
		if n > 0 {
			kr.escAt = time.Now()
		}
	}
	return keys, nil
}

// stopped reports why reading must stop, if it must.
func (kr *keyReader) stopped(ctx context.Context) error {
	if kr.c.closed.Load() {
		return ErrConsoleClosed
	}
	return ctx.Err()
}
