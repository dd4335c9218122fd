package ceremony

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/soft"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

func init() { soft.UseCheapKDFForTests() }

// testPass is the passphrase of the soft keys the tests make.
const testPass = "correct horse"

// otherKey is a tailnet-lock key the scripts type as the other key.
const otherKey = "tlpub:9146e92737a87bbe124d1fdf568b3d9cc88064f113e7b4dd9473b4a0ad392e1a"

// seed makes the secrets the seeded RNG gives: their last 4 digits are
// 26A5, 88F2, EA0F, as in cmd/signet's scripts.
var seed = [32]byte([]byte("signet ceremony test seed 000000"))

// last4 are the last 4 hex digits of the seeded secrets, in order.
var last4 = []string{"26A5", "88F2", "EA0F"}

// scriptTerm is a Terminal that answers prompts from a script of lines
// and keeps everything written to it. It is the terminal of these unit
// tests; cmd/signet's scripts drive the real console on a pty.
type scriptTerm struct {
	in      []string
	out     bytes.Buffer
	prompts []string
	qrs     int
	qrErr   error
}

func newTerm(lines ...string) *scriptTerm { return &scriptTerm{in: lines} }

func (s *scriptTerm) Write(p []byte) (int, error) { return s.out.Write(p) }

func (s *scriptTerm) next(ctx context.Context, prompt string) (string, error) {
	s.out.WriteString(prompt)
	s.prompts = append(s.prompts, prompt)
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if len(s.in) == 0 {
		return "", errors.New("the terminal closed before a line was typed")
	}
	line := s.in[0]
	s.in = s.in[1:]
	return line, nil
}

func (s *scriptTerm) ReadLine(ctx context.Context, prompt string) (string, error) {
	line, err := s.next(ctx, prompt)
	return strings.TrimSpace(line), err
}

func (s *scriptTerm) ReadSecret(ctx context.Context, prompt string) ([]byte, error) {
	line, err := s.next(ctx, prompt)
	if err != nil {
		return nil, err
	}
	return []byte(line), nil
}

func (s *scriptTerm) ShowQR(ctx context.Context, title string, text []byte) error {
	s.qrs++
	return s.qrErr
}

// count returns how many prompts contained sub.
func (s *scriptTerm) count(sub string) int {
	n := 0
	for _, p := range s.prompts {
		if strings.Contains(p, sub) {
			n++
		}
	}
	return n
}

// softKey makes a soft key file in dir and returns it as a BoxKey without
// an attestation record.
func softKey(t *testing.T, dir string) *BoxKey {
	t.Helper()
	path := statedir.Path(dir, statedir.SoftKey)
	pub, err := soft.Create(context.Background(), path, hsm.FixedPIN(testPass))
	if err != nil {
		t.Fatal(err)
	}
	return &BoxKey{URI: hsm.URI{Scheme: "soft", Path: path}, Public: pub}
}

// openSoft opens a soft key for signing outside a ceremony.
func openSoft(t *testing.T, b *BoxKey) hsm.Key {
	t.Helper()
	k, err := soft.Open(context.Background(), b.URI.Path, hsm.FixedPIN(testPass))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// writeNewFile writes a new file, failing if it exists.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// rig is one ceremony's surroundings: a state directory with a real
// journal, an output directory and the buffers for stdout and the log.
type rig struct {
	t       *testing.T
	dir     string
	out     string
	journal *signer.Journal
	stdout  bytes.Buffer
	log     bytes.Buffer
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, dir: t.TempDir()}
	r.out = filepath.Join(r.dir, "out")
	if err := os.Mkdir(r.out, 0o700); err != nil {
		t.Fatal(err)
	}
	j, err := signer.OpenJournal(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	r.journal = j
	return r
}

// options returns Options for term with the seeded RNG and a fixed clock.
func (r *rig) options(term Terminal, secrets int) Options {
	return Options{
		Terminal: term, Stdout: &r.stdout, Log: &r.log,
		StateDir: r.dir, OutDir: r.out, Secrets: secrets,
		Journal: r.journal, WriteNew: writeNewFile,
		Rand:    rand.NewChaCha8(seed),
		Now:     func() time.Time { return time.Date(2026, 11, 23, 13, 25, 58, 0, time.UTC) },
		Version: "test",
	}
}

// run makes and runs a ceremony.
func (r *rig) run(o Options) (*Ceremony, error) {
	r.t.Helper()
	c, err := New(o)
	if err != nil {
		r.t.Fatalf("New: %v", err)
	}
	return c, c.Run(context.Background())
}

// events returns the journal's note events in order.
func (r *rig) events() []string {
	r.t.Helper()
	var ev []string
	_, err := signer.ScanFile(r.journal.Path(), func(rec signer.Record) error {
		ev = append(ev, rec.Detail["event"])
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return ev
}

// outFiles lists the output directory.
func (r *rig) outFiles() []string {
	r.t.Helper()
	m, err := filepath.Glob(filepath.Join(r.out, "*"))
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

// inputs is a whole ceremony's typing: people, other keys, "begin", then
// the rest (secrets, last digits).
func inputs(people []string, keys []string, rest ...string) []string {
	in := append(append([]string{}, people...), "")
	in = append(append(in, keys...), "", "begin")
	return append(in, rest...)
}

// signedFile signs a transcript built by edit from a valid one with key k
// and returns the file's bytes.
func signedFile(t *testing.T, k tka.Signer, edit func(*Transcript)) (*File, []byte) {
	t.Helper()
	pub := tka.FormatTLPub(k.PublicKey())
	when := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	value := "disablement:0a" + strings.Repeat("00", 31)
	tr := Transcript{
		Schema: Schema, ID: "ceremony-20260102T100000Z", Signet: "test", Started: when, Finished: when,
		People: []string{"Alice", "Bob"}, RunbookPeople: RunbookPeople,
		Key:     Key{PublicKey: pub, Backend: "soft", URI: "soft:/x", Made: "new", Attestation: "software key"},
		Keys:    []string{pub},
		Steps:   []Step{{N: 1, Name: "plan", Time: when, Result: "confirmed"}},
		Outputs: []Output{NewOutput("disablement-1", value), NewOutput("init-line", InitLine([]string{pub}, []string{value}))},
	}
	if edit != nil {
		edit(&tr)
	}
	f, err := Sign(context.Background(), &tr, k)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return f, data
}

// mustContainInOrder fails unless each of subs appears in s after the
// previous one.
func mustContainInOrder(t *testing.T, s string, subs ...string) {
	t.Helper()
	at := 0
	for _, sub := range subs {
		i := strings.Index(s[at:], sub)
		if i < 0 {
			t.Fatalf("%q does not follow in the output:\n%s", sub, s)
		}
		at += i + len(sub)
	}
}

func fmtLines(lines []string) string { return fmt.Sprintf("%q", lines) }
