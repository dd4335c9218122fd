package keysetup

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/vpiv"
)

func init() { soft.UseCheapKDFForTests() }

// scriptConsole is a Console that answers from a script of lines and
// keeps what it was asked and shown. A new secret is typed once here; the
// real console's "type it twice" is terminal.Line's, tested there.
type scriptConsole struct {
	in      []string
	asked   []string
	printed bytes.Buffer
	shown   map[string][]byte
	closed  int
}

func newConsole(lines ...string) *scriptConsole {
	return &scriptConsole{in: lines, shown: map[string][]byte{}}
}

// opener returns c as the console an open function gives.
func (c *scriptConsole) opener() func() (Console, error) {
	return func() (Console, error) { return c, nil }
}

func (c *scriptConsole) next(ctx context.Context, prompt string) ([]byte, error) {
	c.asked = append(c.asked, prompt)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(c.in) == 0 {
		return nil, errors.New("the console closed before a line was typed")
	}
	line := c.in[0]
	c.in = c.in[1:]
	return []byte(line), nil
}

func (c *scriptConsole) Printf(format string, args ...any) { fmt.Fprintf(&c.printed, format, args...) }

func (c *scriptConsole) ReadSecret(ctx context.Context, prompt string) ([]byte, error) {
	return c.next(ctx, prompt)
}

func (c *scriptConsole) ReadNewSecret(ctx context.Context, what string) ([]byte, error) {
	return c.next(ctx, "new "+what)
}

func (c *scriptConsole) ConfirmWord(ctx context.Context, question, word string) error {
	line, err := c.next(ctx, question)
	if err != nil {
		return err
	}
	if string(line) != word {
		return fmt.Errorf("you did not type %q; nothing was changed", word)
	}
	return nil
}

func (c *scriptConsole) ShowOnce(what string, secret []byte) {
	c.shown[what] = bytes.Clone(secret)
}

func (c *scriptConsole) Close() error { c.closed++; return nil }

// hints returns the hints err carries (the CLI prints them).
func hints(err error) string {
	var h interface{ Hints() []string }
	if errors.As(err, &h) {
		return strings.Join(h.Hints(), "\n")
	}
	return ""
}

// startSWTPM starts a software TPM for the test.
func startSWTPM(t *testing.T) *swtpm.Instance {
	t.Helper()
	testenv.SkipShort(t, "a software TPM (swtpm)")
	inst, err := swtpm.Start(filepath.Join(t.TempDir(), "tpm"))
	if errors.Is(err, swtpm.ErrMissing) {
		testenv.SkipOrFail(t, "swtpm is not installed (run scripts/deps.sh)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inst.Stop)
	return inst
}

// insertCard inserts a factory-fresh virtual YubiKey with serial and
// writes its attestation CA to a PEM file, whose path it returns.
func insertCard(t *testing.T, serial uint32) string {
	t.Helper()
	vpiv.RequirePCSCD(t)
	c, err := vpiv.New(vpiv.Options{Serial: serial})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if err := c.Insert(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Remove)
	roots := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.CA().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return roots
}
