package tka_test

import (
	"context"
	"testing"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/tka"
)

// Go benchmarks of the hot paths; `make bench` also runs the comparison
// with tailscale.com in internal/benchcmd.

func benchChain(b *testing.B) *chaingen.Chain {
	b.Helper()
	c, err := chaingen.Build(1998, nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkInform1999(b *testing.B) {
	c := benchChain(b)
	b.ResetTimer()
	for b.Loop() {
		st := tka.NewMemStore()
		a, err := tka.Bootstrap(st, c.Genesis)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Inform(st, c.Updates); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen1999(b *testing.B) {
	c := benchChain(b)
	st := tka.NewMemStore()
	a, err := tka.Bootstrap(st, c.Genesis)
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Inform(st, c.Updates); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tka.Open(st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNodeKeyAuthorized(b *testing.B) {
	c, err := chaingen.Build(2, nil)
	if err != nil {
		b.Fatal(err)
	}
	a, err := tka.Bootstrap(tka.NewMemStore(), c.Genesis)
	if err != nil {
		b.Fatal(err)
	}
	var nk tka.NodeKey
	nk[0] = 1
	s, err := tka.SignNodeKey(context.Background(), c.Signer, nk, nil)
	if err != nil {
		b.Fatal(err)
	}
	raw := s.Serialize()
	for b.Loop() {
		if err := a.NodeKeyAuthorized(nk, raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAUM(b *testing.B) {
	c, err := chaingen.Build(2, nil)
	if err != nil {
		b.Fatal(err)
	}
	raw := c.Updates[0].Serialize()
	for b.Loop() {
		if _, err := tka.DecodeAUM(raw); err != nil {
			b.Fatal(err)
		}
	}
}
