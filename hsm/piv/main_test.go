package piv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/vpiv"
)

// One virtual card per test process, in reader "Virtual PCD 00 00": pcscd
// needs a full poll to notice a swapped card, and piv-go leaks its exclusive
// handle when it opens a stale one. Tests reset the card in memory instead.
const testSerial = 12345678

var shared struct {
	once sync.Once
	card *vpiv.Card
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.card != nil {
		shared.card.Remove()
	}
	os.Exit(code)
}

// testCard returns the inserted virtual card reset to factory state.
func testCard(t testing.TB) *vpiv.Card {
	t.Helper()
	vpiv.RequirePCSCD(t)
	shared.once.Do(func() {
		c, err := vpiv.New(vpiv.Options{Serial: testSerial})
		if err != nil {
			shared.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		shared.card, shared.err = c, c.Insert(ctx)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	c := shared.card
	c.Reset()
	c.SetSerial(testSerial)
	c.SetVersion(5, 7, 1)
	return c
}

// Secrets the tests provision. They must never show up in errors.
const (
	testPIN = "24681357"
	testPUK = "97531864"
)

// prompt answers PIN prompts from a table keyed by the why text, falling
// back to pin, and counts the questions.
type prompt struct {
	mu       sync.Mutex
	pin      string
	answers  map[string]string
	asked    []string
	returned [][]byte // every answer given, to check it was wiped
}

func (p *prompt) PIN(ctx context.Context, why string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, why)
	a, ok := p.answers[why]
	if !ok {
		a = p.pin
	}
	b := []byte(a)
	p.returned = append(p.returned, b)
	return b, nil
}

func (p *prompt) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.asked)
}

func (p *prompt) set(pin string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pin = pin
}

// freshPrompt answers a factory-fresh card's provisioning questions.
func freshPrompt() *prompt {
	return &prompt{answers: map[string]string{
		WhyCurrentPIN: "123456", WhyNewPIN: testPIN,
		WhyCurrentPUK: "12345678", WhyNewPUK: testPUK,
	}}
}

// provision provisions the test card and opens its key with PIN prompt p.
func provision(t testing.TB, po ProvisionOptions, p *prompt) *Key {
	t.Helper()
	po.Prompt = freshPrompt()
	if _, err := Provision(context.Background(), po); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if p.pin == "" {
		p.set(testPIN)
	}
	k, err := Open(context.Background(), Options{Serial: testSerial, Prompt: p, Touch: func(string) {}})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

func hashOf(i int) [32]byte {
	var h [32]byte
	copy(h[:], fmt.Sprintf("signet test hash %d", i))
	return h
}
