package hsm

import (
	"context"
	"errors"
	"testing"
)

func TestOpenUnregistered(t *testing.T) {
	_, err := Open(context.Background(), "piv:slot=9c", FixedPIN("x"))
	want := "no piv backend is built into this binary; rebuild with hsm/piv linked in"
	if err == nil || err.Error() != want {
		t.Fatalf("Open = %v, want %q", err, want)
	}
}

func TestOpenDispatch(t *testing.T) {
	var got URI
	Register("tpm", func(ctx context.Context, u URI, pins PINPrompt) (Key, error) {
		got = u
		return nil, errors.New("opened")
	})
	defer func() { registryMu.Lock(); delete(registry, "tpm"); registryMu.Unlock() }()
	_, err := Open(context.Background(), "tpm:/k", nil)
	if err == nil || err.Error() != "opened" || got.Path != "/k" || got.Device != DefaultTPMDevice {
		t.Fatalf("Open = %v, opener saw %+v", err, got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, "tpm:/k", nil); !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with canceled ctx = %v, want ErrCanceled and context.Canceled", err)
	}
}
