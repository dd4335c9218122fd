package hsm

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Opener opens the key that u names, asking pins for a PIN when needed.
type Opener func(ctx context.Context, u URI, pins PINPrompt) (Key, error)

var (
	registryMu sync.Mutex
	registry   = map[string]Opener{}
)

// Register makes the backend for scheme available to [Open]. Backends call it
// from init; registering a scheme twice panics.
func Register(scheme string, open Opener) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("hsm: backend registered twice for scheme " + scheme)
	}
	registry[scheme] = open
}

// Schemes returns the registered schemes, sorted.
func Schemes() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	var s []string
	for k := range registry {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// Open parses uri and opens the key with the backend registered for its
// scheme. pins is asked when the backend needs a PIN or passphrase.
func Open(ctx context.Context, uri string, pins PINPrompt) (Key, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, err
	}
	registryMu.Lock()
	open := registry[u.Scheme]
	registryMu.Unlock()
	if open == nil {
		return nil, fmt.Errorf("no %s backend is built into this binary; rebuild with hsm/%s linked in", u.Scheme, u.Scheme)
	}
	if err := ctx.Err(); err != nil {
		return nil, Canceled(ctx)
	}
	return open(ctx, u, pins)
}
