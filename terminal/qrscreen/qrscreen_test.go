package qrscreen

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/signetbox/signet/internal/ptytest"
	"github.com/signetbox/signet/internal/qr"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/terminal"
)

// ptyTTY is a TTY on a pty plus everything written to the screen.
type ptyTTY struct {
	*ptytest.Screen
	tty *terminal.TTY
}

// newPTY starts a TTY on a fresh rows x cols pty.
func newPTY(t *testing.T, rows, cols int, opts terminal.Options) *ptyTTY {
	m, s := ptytest.Open(t, rows, cols)
	tty, err := terminal.New(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return &ptyTTY{Screen: ptytest.Record(t, m), tty: tty}
}

// showQR runs Show in the background.
func (p *ptyTTY) showQR(ctx context.Context, title, data string) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- Show(ctx, p.tty, title, []byte(data)) }()
	return ch
}

// waitErr waits for a call started in the background.
func waitErr(t *testing.T, p *ptyTTY, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(20 * time.Second):
		t.Fatalf("Show did not return; screen:\n%q", ptytest.Tail(p.Output(), 2000))
	}
	return nil
}

// vtScreen is just enough of a terminal to replay the console's output:
// cursor moves (CUP), erase (ED, EL), SGR (tracking only the white
// background ShowQR uses), save and restore cursor, CR and LF.
type vtScreen struct {
	rows, cols int
	cell       [][]rune
	white      [][]bool // drawn on a white background
	r, c       int      // 0-based cursor
	bg         bool
	saved      [2]int
}

func newVTScreen(rows, cols int) *vtScreen {
	s := &vtScreen{rows: rows, cols: cols}
	s.cell = make([][]rune, rows)
	s.white = make([][]bool, rows)
	for i := range s.cell {
		s.cell[i] = make([]rune, cols)
		s.white[i] = make([]bool, cols)
	}
	s.erase(0, 0, rows, cols)
	return s
}

// erase blanks rows [r0, r1), columns [c0, cols) on row r0 and whole rows
// after it.
func (s *vtScreen) erase(r0, c0, r1, _ int) {
	for r := r0; r < r1 && r < s.rows; r++ {
		for c := 0; c < s.cols; c++ {
			if r == r0 && c < c0 {
				continue
			}
			s.cell[r][c], s.white[r][c] = ' ', false
		}
	}
}

// feed replays out, the console's output as the pty delivered it.
func (s *vtScreen) feed(t *testing.T, out string) {
	for i := 0; i < len(out); {
		switch ch := out[i]; {
		case ch == 0x1b && i+1 < len(out) && out[i+1] == '[':
			j := i + 2
			for j < len(out) && (out[j] < 0x40 || out[j] > 0x7e) {
				j++
			}
			if j == len(out) {
				return
			}
			s.csi(t, out[i+2:j], out[j])
			i = j + 1
		case ch == 0x1b && i+1 < len(out) && out[i+1] == '7':
			s.saved, i = [2]int{s.r, s.c}, i+2
		case ch == 0x1b && i+1 < len(out) && out[i+1] == '8':
			s.r, s.c, i = s.saved[0], s.saved[1], i+2
		case ch == '\r':
			s.c, i = 0, i+1
		case ch == '\n':
			s.r, i = min(s.r+1, s.rows-1), i+1
		default:
			r, size := utf8.DecodeRuneInString(out[i:])
			if s.c < s.cols {
				s.cell[s.r][s.c], s.white[s.r][s.c] = r, s.bg
				s.c++
			}
			i += size
		}
	}
}

// csi applies one control sequence.
func (s *vtScreen) csi(t *testing.T, params string, final byte) {
	nums := func(def int) []int {
		var n []int
		for _, p := range strings.Split(strings.TrimPrefix(params, "?"), ";") {
			v, err := strconv.Atoi(p)
			if err != nil {
				v = def
			}
			n = append(n, v)
		}
		return n
	}
	switch final {
	case 'H':
		n := append(nums(1), 1, 1)
		s.r, s.c = min(max(n[0], 1), s.rows)-1, min(max(n[1], 1), s.cols)-1
	case 'J':
		switch nums(0)[0] {
		case 0:
			s.erase(s.r, s.c, s.rows, s.cols)
		case 2:
			s.erase(0, 0, s.rows, s.cols)
		}
	case 'K':
		if nums(0)[0] == 2 {
			s.erase(s.r, 0, s.r+1, s.cols)
		} else {
			s.erase(s.r, s.c, s.r+1, s.cols)
		}
	case 'm':
		for _, v := range nums(0) {
			switch {
			case v == 0 || v == 49:
				s.bg = false
			case v == 47:
				s.bg = true
			}
		}
	case 'h', 'l':
	default:
		t.Fatalf("unexpected control sequence ESC [ %s %c", params, final)
	}
}

// line returns row r (0-based) as text.
func (s *vtScreen) line(r int) string { return strings.TrimRight(string(s.cell[r]), " ") }

// qrGrid rebuilds the modules, quiet zone included, from the half
// blocks: dark modules are the drawn halves, or with noColor the halves
// left blank. In colour the code is the white-background area; without
// colour, the box around the block glyphs.
func (s *vtScreen) qrGrid(t *testing.T, noColor bool) [][]bool {
	t.Helper()
	r0, c0, r1, c1 := s.rows, s.cols, -1, -1
	for r := range s.cell {
		for c, ch := range s.cell[r] {
			in := s.white[r][c]
			if noColor {
				in = strings.ContainsRune("▀▄█", ch)
			}
			if in {
				r0, c0, r1, c1 = min(r0, r), min(c0, c), max(r1, r), max(c1, c)
			}
		}
	}
	if r1 < 0 {
		t.Fatal("no QR code on the screen")
	}
	var grid [][]bool
	for r := r0; r <= r1; r++ {
		top, bottom := make([]bool, c1-c0+1), make([]bool, c1-c0+1)
		for c := c0; c <= c1; c++ {
			ch := s.cell[r][c]
			if !strings.ContainsRune(" ▀▄█", ch) {
				t.Fatalf("row %d column %d: %q inside the QR code", r+1, c+1, ch)
			}
			hi, lo := ch == '▀' || ch == '█', ch == '▄' || ch == '█'
			if noColor {
				hi, lo = !hi, !lo
			}
			top[c-c0], bottom[c-c0] = hi, lo
		}
		grid = append(grid, top, bottom)
	}
	return grid
}

// checkGrid compares a rebuilt grid with code and its quiet zone.
func checkGrid(t *testing.T, grid [][]bool, code *qr.Code) {
	t.Helper()
	w := code.Size + 2*qrQuiet
	if len(grid) != w+1 || len(grid[0]) != w {
		t.Fatalf("rebuilt grid is %dx%d modules, want %dx%d (with the quiet zone)", len(grid[0]), len(grid), w, w+1)
	}
	bad := 0
	for y := range grid {
		for x := range grid[y] {
			if want := code.Black(x-qrQuiet, y-qrQuiet); grid[y][x] != want {
				if bad++; bad < 5 {
					t.Errorf("module (%d,%d): dark = %v on screen, want %v", x-qrQuiet, y-qrQuiet, grid[y][x], want)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d modules differ from the code", bad)
	}
}

func TestScreen(t *testing.T) {
	sig := make([]byte, 180)
	for i := range sig {
		sig[i] = byte(i*29 + 3)
	}
	for _, tc := range []struct {
		name    string
		data    string
		noColor bool
		level   qr.Level // the most redundant level that fits 40x120
	}{
		{"hex32", strings.Repeat("0123456789abcdef", 4), false, qr.H},
		{"hex32-nocolor", strings.Repeat("0123456789abcdef", 4), true, qr.H},
		{"signature", hex.EncodeToString(sig), false, qr.L},
		{"signature-nocolor", hex.EncodeToString(sig), true, qr.L},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPTY(t, 40, 120, terminal.Options{NoColor: tc.noColor})
			ch := p.showQR(context.Background(), "Signature for \x1b[31mnode\x1b[0m", tc.data)
			p.WaitFor("press Enter when done")
			p.WaitFor("\x1b[40;1H") // the notice row: the frame is complete
			scr := newVTScreen(40, 120)
			scr.feed(t, p.All())
			if got, want := scr.line(0), ` Signature for \x1b[31mnode\x1b[0m`; got != want {
				t.Errorf("title row = %q, want %q", got, want)
			}
			want, err := qr.Encode([]byte(tc.data), tc.level)
			if err != nil {
				t.Fatal(err)
			}
			grid := scr.qrGrid(t, tc.noColor)
			checkGrid(t, grid, want)
			if got := zbarGrid(t, grid); got != tc.data {
				t.Errorf("zbarimg read the screen as %q, want %q", got, tc.data)
			}
			foot := fmt.Sprintf("press Enter when done (QR code version %d-%s, %d bytes)", want.Version, tc.level, len(tc.data))
			if got := scr.line(qrTextRows(want.Size) + 1); got != foot {
				t.Errorf("footer = %q, want %q", got, foot)
			}
			p.Type("\r")
			if err := waitErr(t, p, ch); err != nil {
				t.Fatalf("ShowQR after Enter: %v", err)
			}
			p.WaitFor("\x1b[3J") // the screen and scrollback are erased
			scr = newVTScreen(40, 120)
			scr.feed(t, p.All())
			for r := 0; r < 40; r++ {
				if l := scr.line(r); strings.ContainsAny(l, "▀▄█") {
					t.Fatalf("row %d still shows the code after Enter: %q", r+1, l)
				}
			}
		})
	}
}

func TestTooSmall(t *testing.T) {
	p := newPTY(t, 24, 80, terminal.Options{})
	data := strings.Repeat("ab", 180) // even level L needs version 12: 40x74
	err := waitErr(t, p, p.showQR(context.Background(), "big", data))
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("err = %v, want ErrTooBig", err)
	}
	const sizes = "it needs 40x74 (rows x columns) and the terminal is 24x80"
	if !strings.Contains(err.Error(), sizes) {
		t.Errorf("error %q does not name the sizes %q", err, sizes)
	}
	const line = "signet: the QR code needs a 40x74 terminal; this one is 24x80"
	p.WaitFor(line)
	scr := newVTScreen(24, 80)
	scr.feed(t, p.All())
	if scr.line(0) != line || scr.line(1) != "" {
		t.Errorf("screen = %q, %q; want the one line %q", scr.line(0), scr.line(1), line)
	}

	err = waitErr(t, p, p.showQR(context.Background(), "huge", strings.Repeat("x", 3000)))
	if !errors.Is(err, qr.ErrTooLong) {
		t.Fatalf("3000 bytes: err = %v, want qr.ErrTooLong", err)
	}
}

// zbarGrid decodes a module grid read off the screen with zbarimg (4
// pixels a module), so the test checks what a phone would scan. Outside CI
// a missing zbarimg skips this check.
func zbarGrid(t *testing.T, grid [][]bool) string {
	t.Helper()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("zbarimg is missing; scripts/deps.sh installs zbar-tools: %v", err)
		}
		t.Logf("not decoding the screen: zbarimg is not installed (run make deps): %v", err)
		return ""
	}
	const scale = 4
	img := image.NewGray(image.Rect(0, 0, len(grid[0])*scale, len(grid)*scale))
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			v := color.Gray{Y: 255}
			if grid[y/scale][x/scale] {
				v.Y = 0
			}
			img.SetGray(x, y, v)
		}
	}
	file := filepath.Join(t.TempDir(), "screen.png")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(zbar, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", "-Sbinary", file).Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the screen's code: %v", err)
	}
	return string(out)
}
