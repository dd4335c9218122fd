package hsm

import (
	"bytes"
	"context"
	"runtime"
	"testing"
)

func TestSecret(t *testing.T) {
	s := NewSecret(8)
	if runtime.GOOS == "linux" && !s.Locked() {
		t.Error("a one-page secret was not locked (is RLIMIT_MEMLOCK zero?)")
	}
	if !s.Append([]byte("1234")...) || s.Append([]byte("56789")...) {
		t.Error("Append must take what fits and say whether all of it did")
	}
	if got := string(s.Bytes()); got != "12345678" {
		t.Fatalf("Bytes = %q", got)
	}
	s.Truncate(3)
	if got := string(s.Bytes()); got != "123" || s.Len() != 3 || s.Cap() != 8 {
		t.Fatalf("after Truncate(3): %q len %d cap %d", got, s.Len(), s.Cap())
	}
	b := s.Bytes()
	if cap(b) != 3 {
		t.Errorf("Bytes must not hand out room past Len (cap %d)", cap(b))
	}
	s.Close()
	s.Close()
	if s.Bytes() != nil || s.Len() != 0 {
		t.Error("a closed Secret still hands out bytes")
	}
	var nilSecret *Secret
	nilSecret.Close()
}

// TestSecretCloseWipes checks that Close zeroes the buffer before it
// releases it (the mapping cannot be read after it is unmapped).
func TestSecretCloseWipes(t *testing.T) {
	s := NewSecret(16)
	s.Append([]byte("pin-1234")...)
	mem := s.mem
	var seen []byte
	unmap := s.unmap
	s.unmap = func() {
		seen = bytes.Clone(mem)
		if unmap != nil {
			unmap()
		}
	}
	s.Close()
	if !bytes.Equal(seen, make([]byte, 16)) {
		t.Fatalf("the buffer held %q when it was released", seen)
	}
}

// TestAskSecretWipesHeapAnswer: a prompt that answers on the heap gets
// its answer copied into the Secret and wiped.
func TestAskSecretWipesHeapAnswer(t *testing.T) {
	var given []byte
	p := promptFunc(func() []byte { given = []byte("2468"); return given })
	s, err := AskSecret(context.Background(), p, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if string(s.Bytes()) != "2468" || !bytes.Equal(given, make([]byte, 4)) {
		t.Fatalf("secret %q, prompt's copy after AskSecret %q", s.Bytes(), given)
	}
}

type promptFunc func() []byte

func (f promptFunc) PIN(context.Context, string) ([]byte, error) { return f(), nil }
