// Package qrscreen shows data as a QR code full screen on a terminal, for
// a phone to scan: a signature on the box's console, a disablement secret
// in the ceremony. It is apart from package terminal so that what only
// reads keys (signer's review) does not link the QR encoder.
package qrscreen

// Show draws a QR code with Unicode half blocks: each text row holds two
// module rows. With colours on, the code is black on a white background
// ('▀' top dark, '▄' bottom dark, '█' both, ' ' neither). With NoColor no
// colours can be set, so the glyphs draw the light modules instead, in the
// terminal's foreground colour, which on a console (light text on a dark
// screen) gives the same picture.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signetbox/signet/internal/qr"
	"github.com/signetbox/signet/terminal"
)

// qrTick is how often the QR screen looks for a resized terminal.
const qrTick = 250 * time.Millisecond

// qrQuiet is the quiet zone around a QR code, in modules (ISO/IEC 18004
// asks for four).
const qrQuiet = 4

// styleQR is black on white for the code and its quiet zone.
const styleQR = "\x1b[30;47m"

// ErrTooBig reports a QR code that does not fit the terminal.
var ErrTooBig = errors.New("console: the QR code does not fit the terminal")

// qrLevels are the error-correction levels Show tries, most redundant
// first: it uses the first whose code fits the screen.
var qrLevels = []qr.Level{qr.H, qr.Q, qr.M, qr.L}

// Show shows data as a QR code full screen on t, with title (sanitised)
// above it and "press Enter when done" below, in raw mode, and waits
// until the operator presses Enter or Esc (nil), ctx is done (ctx's
// error) or t is stopped ([terminal.ErrClosed]). The caller owns t for
// the while. It picks the most redundant
// error-correction level whose code fits the terminal; when even level L
// does not fit, it says so on one line and returns [ErrTooBig] with the
// sizes. The screen, and the terminal's scrollback, are erased
// afterwards, and every buffer that held the code is wiped, so data may
// be a secret; the caller wipes data.
func Show(ctx context.Context, t *terminal.TTY, title string, data []byte) error {
	restore, err := t.Raw()
	if err != nil {
		return err
	}
	defer restore()
	t.SetActive(true)
	defer t.SetActive(false)
	stop := context.AfterFunc(ctx, t.Wake)
	defer stop()

	rows, cols := t.Size()
	code, err := qrForScreen(data, rows, cols)
	if errors.Is(err, ErrTooBig) {
		h, w := qrScreenSize(code.Size)
		code.Wipe()
		msg, _ := terminal.SanitizeCap(fmt.Sprintf("signet: the QR code needs a %dx%d terminal; this one is %dx%d", h, w, rows, cols), cols-1)
		t.Print("\x1b[0m\x1b[H\x1b[2J" + t.Style(terminal.StyleWarn, msg) + "\r\n")
	}
	if err != nil {
		return err
	}
	defer code.Wipe()
	defer t.Print("\x1b[0m\x1b[H\x1b[2J\x1b[3J\x1b[?25h")
	if err := runQR(ctx, t, code, title, len(data)); err != nil {
		return fmt.Errorf("console: showing the QR code: %w", err)
	}
	return nil
}

// qrForScreen encodes data at the most redundant level whose code fits a
// rows x cols terminal. When none fits it returns the level L code with
// an error wrapping [ErrTooBig].
func qrForScreen(data []byte, rows, cols int) (*qr.Code, error) {
	var code *qr.Code
	for _, l := range qrLevels {
		c, err := qr.Encode(data, l)
		if err != nil {
			return nil, fmt.Errorf("console: encoding the QR code: %w", err)
		}
		code = c
		if h, w := qrScreenSize(c.Size); h <= rows && w <= cols {
			return c, nil
		}
		if l != qr.L {
			c.Wipe()
		}
	}
	h, w := qrScreenSize(code.Size)
	return code, fmt.Errorf("%w: it needs %dx%d (rows x columns) and the terminal is %dx%d; make the terminal bigger or the font smaller",
		ErrTooBig, h, w, rows, cols)
}

// qrTextRows is how many text rows a code of size modules takes, with
// its quiet zone.
func qrTextRows(size int) int { return (size + 2*qrQuiet + 1) / 2 }

// qrScreenSize is the terminal a code of size modules needs: the title,
// the code, the footer and the notice row; the last column stays unused.
func qrScreenSize(size int) (rows, cols int) {
	return qrTextRows(size) + 3, size + 2*qrQuiet + 1
}

// runQR draws the code and waits for Enter or Esc, redrawing when a
// notice arrives, on Ctrl-L and when the terminal is resized.
func runQR(ctx context.Context, t *terminal.TTY, code *qr.Code, title string, n int) error {
	kr := t.Keys()
	drawn := [2]int{}
	for redraw := true; ; {
		if rows, cols := t.Size(); redraw || drawn != [2]int{rows, cols} {
			frame := qrFrame(t, code, title, n, rows, cols)
			_, err := t.Write(frame)
			clear(frame)
			if err != nil {
				return err
			}
			drawn = [2]int{rows, cols}
		}
		keys, err := kr.Read(ctx, time.Now().Add(qrTick))
		if err != nil {
			return err
		}
		redraw = t.NoticeChanged()
		for _, k := range keys {
			switch k.Kind {
			case terminal.KeyEnter, terminal.KeyDeny:
				return nil
			case terminal.KeyRedraw:
				redraw = true
			}
		}
	}
}

// qrFrame draws the whole screen: the title on row 1, the code centred
// below it, the footer and the notice on the last row. A terminal shrunk
// below the code's size gets a one-line message instead of the code. The
// buffer is allocated once, big enough, so the caller can wipe the only
// copy.
func qrFrame(t *terminal.TTY, code *qr.Code, title string, n, rows, cols int) []byte {
	width := code.Size + 2*qrQuiet
	b := make([]byte, 0, qrTextRows(code.Size)*(3*width+32)+3*4*cols+256)
	b = append(b, "\x1b[?25l\x1b[0m\x1b[H\x1b[2J"...)
	head, _ := terminal.SanitizeCap(" "+title+" ", cols-1)
	b = append(b, t.Style(terminal.StyleTitle, head)...)
	needH, needW := qrScreenSize(code.Size)
	foot := fmt.Sprintf("press Enter when done (QR code version %d-%s, %d bytes)", code.Version, code.Level, n)
	if needH > rows || needW > cols {
		foot = fmt.Sprintf("The terminal is %dx%d; the QR code needs %dx%d. Make it bigger, or press Enter.", rows, cols, needH, needW)
	} else {
		b = appendQRRows(t, b, code, 2, (cols-needW)/2+1)
	}
	f, _ := terminal.SanitizeCap(foot, cols-1)
	b = fmt.Appendf(b, "\x1b[%d;1H%s", min(qrTextRows(code.Size)+2, rows-1), t.Style(terminal.StyleHeading, f))
	return fmt.Appendf(b, "\x1b[%d;1H%s\x1b[K", rows, t.StatusText(cols))
}

// appendQRRows draws the code with its quiet zone from text row top,
// column left (both 1-based).
func appendQRRows(t *terminal.TTY, b []byte, code *qr.Code, top, left int) []byte {
	glyphs := [4]string{" ", "▄", "▀", "█"} // index: top<<1 | bottom
	width := code.Size + 2*qrQuiet
	for r := 0; r < qrTextRows(code.Size); r++ {
		b = fmt.Appendf(b, "\x1b[%d;%dH", top+r, left)
		if !t.NoColor() {
			b = append(b, styleQR...)
		}
		y := 2*r - qrQuiet
		for x := -qrQuiet; x < width-qrQuiet; x++ {
			hi, lo := code.Black(x, y), code.Black(x, y+1)
			if t.NoColor() {
				hi, lo = !hi, !lo // draw the light modules
			}
			g := 0
			if hi {
				g |= 2
			}
			if lo {
				g |= 1
			}
			b = append(b, glyphs[g]...)
		}
		b = append(b, "\x1b[0m"...)
	}
	return b
}

// Via returns a function that shows data as a QR code (Show) on the
// terminal hold lends it, such as signer.Console.WithTerminal, which waits
// until no prompt holds the console. It copies data to bytes it wipes.
func Via(hold func(context.Context, func(*terminal.TTY) error) error) func(ctx context.Context, title, data string) error {
	return func(ctx context.Context, title, data string) error {
		return hold(ctx, func(t *terminal.TTY) error {
			buf := []byte(data)
			defer clear(buf)
			return Show(ctx, t, title, buf)
		})
	}
}

// Line is a [terminal.Line] that also shows QR codes, as the ceremony's
// terminal must.
type Line struct{ *terminal.Line }

// ShowQR shows text as a QR code under title until Enter is pressed, then
// gives the terminal back for line reads.
func (l Line) ShowQR(ctx context.Context, title string, text []byte) error {
	return l.Screen(func(t *terminal.TTY) error { return Show(ctx, t, title, text) })
}
