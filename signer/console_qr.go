package signer

// ShowQR draws a QR code with Unicode half blocks: each text row holds two
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
)

// qrQuiet is the quiet zone around a QR code, in modules (ISO/IEC 18004
// asks for four).
const qrQuiet = 4

// styleQR is black on white for the code and its quiet zone.
const styleQR = "\x1b[30;47m"

// ErrQRTooBig reports a QR code that does not fit the terminal.
var ErrQRTooBig = errors.New("console: the QR code does not fit the terminal")

// qrLevels are the error-correction levels ShowQR tries, most redundant
// first: it uses the first whose code fits the screen.
var qrLevels = []qr.Level{qr.H, qr.Q, qr.M, qr.L}

// ShowQR shows data as a QR code full screen, with title (sanitised) above
// it and "press Enter when done" below, and waits until the operator
// presses Enter or Esc (nil), ctx is done (ctx's error) or the console is
// closed ([ErrConsoleClosed]). It picks the most redundant
// error-correction level whose code fits the terminal; when even level L
// does not fit, it says so on one line and returns [ErrQRTooBig] with the
// sizes. The screen, and the terminal's scrollback, are erased
// afterwards, so data may be a secret.
func (c *Console) ShowQR(ctx context.Context, title string, data string) error {
	if err := c.acquire(ctx); err != nil {
		return fmt.Errorf("console: waiting for the terminal: %w", err)
	}
	defer c.release()
	old, err := makeRaw(c.fd)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	defer old.restore(c.fd)
	c.setActive(true)
	defer c.setActive(false)
	stop := context.AfterFunc(ctx, c.wake)
	defer stop()

	rows, cols := termSize(c.fd)
	buf := []byte(data)
	defer clear(buf)
	code, err := qrForScreen(buf, rows, cols)
	if errors.Is(err, ErrQRTooBig) {
		h, w := qrScreenSize(code.Size)
		code.Wipe()
		msg, _ := sanitizeCap(fmt.Sprintf("signet: the QR code needs a %dx%d terminal; this one is %dx%d", h, w, rows, cols), cols-1)
		c.write("\x1b[0m\x1b[H\x1b[2J" + c.style(styleWarn, msg) + "\r\n")
	}
	if err != nil {
		return err
	}
	defer code.Wipe()
	defer c.write("\x1b[0m\x1b[H\x1b[2J\x1b[3J\x1b[?25h")
	if err := c.runQR(ctx, code, title, len(data)); err != nil {
		return fmt.Errorf("console: showing the QR code: %w", err)
	}
	return nil
}

// qrForScreen encodes data at the most redundant level whose code fits a
// rows x cols terminal. When none fits it returns the level L code with
// an error wrapping [ErrQRTooBig].
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
		ErrQRTooBig, h, w, rows, cols)
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
func (c *Console) runQR(ctx context.Context, code *qr.Code, title string, n int) error {
	kr := &keyReader{c: c}
	drawn := [2]int{}
	for redraw := true; ; {
		if rows, cols := termSize(c.fd); redraw || drawn != [2]int{rows, cols} {
			frame := c.qrFrame(code, title, n, rows, cols)
			err := c.writeBytes(frame)
			clear(frame)
			if err != nil {
				return err
			}
			drawn = [2]int{rows, cols}
		}
		keys, err := kr.read(ctx, time.Now().Add(confirmTick))
		if err != nil {
			return err
		}
		redraw = c.dirty.Swap(false)
		for _, k := range keys {
			switch k.kind {
			case keyEnter, keyDeny:
				return nil
			case keyRedraw:
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
func (c *Console) qrFrame(code *qr.Code, title string, n, rows, cols int) []byte {
	width := code.Size + 2*qrQuiet
	b := make([]byte, 0, qrTextRows(code.Size)*(3*width+32)+3*4*cols+256)
	b = append(b, "\x1b[?25l\x1b[0m\x1b[H\x1b[2J"...)
	t, _ := sanitizeCap(" "+title+" ", cols-1)
	b = append(b, c.style(styleTitle, t)...)
	needH, needW := qrScreenSize(code.Size)
	foot := fmt.Sprintf("press Enter when done (QR code version %d-%s, %d bytes)", code.Version, code.Level, n)
	if needH > rows || needW > cols {
		foot = fmt.Sprintf("The terminal is %dx%d; the QR code needs %dx%d. Make it bigger, or press Enter.", rows, cols, needH, needW)
	} else {
		b = c.appendQRRows(b, code, 2, (cols-needW)/2+1)
	}
	f, _ := sanitizeCap(foot, cols-1)
	b = fmt.Appendf(b, "\x1b[%d;1H%s", min(qrTextRows(code.Size)+2, rows-1), c.style(styleHeading, f))
	return fmt.Appendf(b, "\x1b[%d;1H%s\x1b[K", rows, c.noticeText(cols))
}

// appendQRRows draws the code with its quiet zone from text row top,
// column left (both 1-based).
func (c *Console) appendQRRows(b []byte, code *qr.Code, top, left int) []byte {
	glyphs := [4]string{" ", "▄", "▀", "█"} // index: top<<1 | bottom
	width := code.Size + 2*qrQuiet
	for r := 0; r < qrTextRows(code.Size); r++ {
		b = fmt.Appendf(b, "\x1b[%d;%dH", top+r, left)
		if !c.opts.NoColor {
			b = append(b, styleQR...)
		}
		y := 2*r - qrQuiet
		for x := -qrQuiet; x < width-qrQuiet; x++ {
			hi, lo := code.Black(x, y), code.Black(x, y+1)
			if c.opts.NoColor {
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
		b = append(b, styleReset...)
	}
	return b
}

// writeBytes sends p to the terminal in one write.
func (c *Console) writeBytes(p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.f.Write(p)
	return err
}
