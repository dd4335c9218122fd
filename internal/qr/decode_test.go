package qr

// These tests decode the codes with a real decoder: zbarimg from Debian's
// zbar-tools (scripts/deps.sh installs it).

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signetbox/signet/internal/testenv"
)

// needZbarimg returns zbarimg's path; outside CI a missing zbarimg skips.
func needZbarimg(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "zbarimg")
}

// renderPNG draws c at scale pixels per module with a quiet zone of
// four modules. It writes the pixel rows directly: SetGray per pixel
// made the 160 codes of TestQRZbarAllVersions take minutes under -race.
func renderPNG(c *Code, scale int) image.Image {
	const quiet = 4
	side := (c.Size + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, side, side))
	row := make([]byte, side)
	for my := -quiet; my < c.Size+quiet; my++ {
		for mx := -quiet; mx < c.Size+quiet; mx++ {
			v := byte(255)
			if c.Black(mx, my) {
				v = 0
			}
			for i := range scale {
				row[(mx+quiet)*scale+i] = v
			}
		}
		for i := range scale {
			copy(img.Pix[((my+quiet)*scale+i)*img.Stride:], row)
		}
	}
	return img
}

// zbarDecode writes c as a PNG and returns what zbarimg reads from it.
func zbarDecode(t *testing.T, zbar string, c *Code) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "code.png")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, renderPNG(c, 4)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Only QR codes: zbar's linear decoders sometimes find a spurious
	// barcode in a large symbol's modules. -Sbinary: hand back the bytes
	// as encoded, without guessing a character set and converting, and
	// without a trailing newline.
	cmd := exec.Command(zbar, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", "-Sbinary", file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg on a version %d-%s code failed: %v\n%s", c.Version, c.Level, err, stderr.Bytes())
	}
	return out
}

// roundTrip encodes data, decodes it with zbarimg and compares the bytes.
func roundTrip(t *testing.T, zbar string, data []byte, l Level, wantVersion int) {
	t.Helper()
	c, err := Encode(data, l)
	if err != nil {
		t.Fatalf("Encode(%d bytes, %s): %v", len(data), l, err)
	}
	if wantVersion > 0 && c.Version != wantVersion {
		t.Fatalf("%d bytes at %s: version %d, want %d", len(data), l, c.Version, wantVersion)
	}
	got := zbarDecode(t, zbar, c)
	if !bytes.Equal(got, data) {
		t.Fatalf("version %d-%s mask %d: zbarimg read %d bytes %q, want %d bytes %q",
			c.Version, l, c.Mask, len(got), trim(got), len(data), trim(data))
	}
	t.Logf("DECODED %d bytes, version %d-%s, mask %d", len(data), c.Version, l, c.Mask)
}

func trim(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}

// pattern returns n bytes of varied printable ASCII.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"[(i*7+i/64)%64]
	}
	return b
}

func TestQRZbarLevels(t *testing.T) {
	zbar := needZbarimg(t)
	for l := L; l <= H; l++ {
		t.Run(l.String(), func(t *testing.T) {
			roundTrip(t, zbar, []byte("signet QR test"), l, 0)
			sum := sha256.Sum256([]byte("a 32-byte value"))
			roundTrip(t, zbar, []byte(hex.EncodeToString(sum[:])), l, 0)
		})
	}
}

// TestQRZbarSignature round-trips a node-key signature's size: 180 bytes,
// hex-encoded as the daemon would show it.
func TestQRZbarSignature(t *testing.T) {
	zbar := needZbarimg(t)
	sig := make([]byte, 180)
	for i := range sig {
		sig[i] = byte(i*37 + 11)
	}
	for l := L; l <= H; l++ {
		roundTrip(t, zbar, []byte(hex.EncodeToString(sig)), l, 0)
	}
}

// TestQRZbarVersions fills versions 1, 2, 7, 10, 20 and 40 at level L to
// their capacity.
func TestQRZbarVersions(t *testing.T) {
	zbar := needZbarimg(t)
	for _, v := range []int{1, 2, 7, 10, 20, 40} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			roundTrip(t, zbar, pattern(Capacity(v, L)), L, v)
		})
	}
}

// TestQRZbarAllVersions decodes every version at every level, which checks
// every row of the block and alignment tables. Under -race (make test) it
// decodes a sample, every version once at a level that rotates, plus
// versions 1 and 40 at every level: the race detector has no concurrency
// to find in an encoder, and the full set, run without it, adds no
// assurance there. make qr-sweep runs all 160.
func TestQRZbarAllVersions(t *testing.T) {
	testenv.SkipShort(t, "160 zbarimg decodes")
	zbar := needZbarimg(t)
	for l := L; l <= H; l++ {
		for v := 1; v <= maxVersion; v++ {
			if raceEnabled && v != 1 && v != maxVersion && v%4 != int(l) {
				continue
			}
			t.Run(fmt.Sprintf("%d-%s", v, l), func(t *testing.T) {
				t.Parallel()
				roundTrip(t, zbar, pattern(Capacity(v, l)), l, v)
			})
		}
	}
}

// TestQRZbarBinary round-trips every byte value, including ones that are
// not valid text in any character set.
func TestQRZbarBinary(t *testing.T) {
	zbar := needZbarimg(t)
	data := make([]byte, 256)
	for i := range data {
		data[i] = byte(255 - i)
	}
	roundTrip(t, zbar, data, M, 0)
	if !strings.Contains(string(data), "\x00") {
		t.Fatal("test data lost its NUL byte")
	}
}

// TestQRZbarMasks forces each mask in turn and decodes the result, so a
// wrong mask formula cannot hide behind the penalty's choice.
func TestQRZbarMasks(t *testing.T) {
	zbar := needZbarimg(t)
	data := []byte("every mask must decode")
	for mask := 0; mask < 8; mask++ {
		c := encodeWithMask(t, data, Q, mask)
		got := zbarDecode(t, zbar, c)
		if !bytes.Equal(got, data) {
			t.Errorf("mask %d: zbarimg read %q, want %q", mask, got, data)
		}
	}
}

// encodeWithMask is Encode with the mask chosen by the caller.
func encodeWithMask(t *testing.T, data []byte, l Level, mask int) *Code {
	t.Helper()
	c, err := Encode(data, l)
	if err != nil {
		t.Fatal(err)
	}
	m := newMatrix(c.Version)
	m.drawFunctionPatterns(c.Version)
	m.placeCodewords(interleave(c.Version, l, dataStream(data, c.Version, l)))
	m.applyMask(mask)
	m.drawFormat(l, mask)
	return &Code{Size: m.size, Version: c.Version, Level: l, Mask: mask, dark: m.dark}
}
