package main

import (
	"fmt"
	"os"
	"time"

	ts "tailscale.com/tka"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

var cached *chaingen.Chain

// chain returns the shared test chain, built once.
func chain() (*chaingen.Chain, error) {
	if cached != nil {
		return cached, nil
	}
	c, err := chaingen.Build(*chainLen, nil)
	cached = c
	return c, err
}

func toTS(u *tka.AUM) (ts.AUM, error) {
	var out ts.AUM
	err := out.Unserialize(u.Serialize())
	return out, err
}

func tsChain(c *chaingen.Chain) (ts.AUM, []ts.AUM, error) {
	g, err := toTS(c.Genesis)
	if err != nil {
		return g, nil, err
	}
	out := make([]ts.AUM, len(c.Updates))
	for i, u := range c.Updates {
		if out[i], err = toTS(u); err != nil {
			return g, nil, err
		}
	}
	return g, out, nil
}

// benchOpen: reopen a stored, verified chain (no signature checks), in
// memory and from files.
func benchOpen() error {
	c, err := chain()
	if err != nil {
		return err
	}
	tsGen, tsUpd, err := tsChain(c)
	if err != nil {
		return err
	}
	tsMem := ts.ChonkMem()
	tsA, err := ts.Bootstrap(tsMem, tsGen)
	if err != nil {
		return err
	}
	if err := tsA.Inform(tsMem, tsUpd); err != nil {
		return err
	}
	mem := tka.NewMemStore()
	a, err := tka.Bootstrap(mem, c.Genesis)
	if err != nil {
		return err
	}
	if err := a.Inform(mem, c.Updates); err != nil {
		return err
	}
	peer, err := median(func() (time.Duration, error) {
		return timed(func() error { _, err := ts.Open(tsMem); return err })
	})
	if err != nil {
		return fmt.Errorf("tailscale open: %w", err)
	}
	ours, err := median(func() (time.Duration, error) {
		return timed(func() error { _, err := tka.Open(mem); return err })
	})
	if err != nil {
		return fmt.Errorf("signet open: %w", err)
	}
	figure("open-mem-tailscale", peer)
	figure("open-mem-signet", ours)
	ratio("open-mem", peer, ours)
	return benchOpenFiles(c, tsGen, tsUpd)
}

func benchOpenFiles(c *chaingen.Chain, tsGen ts.AUM, tsUpd []ts.AUM) error {
	tsDir, err := os.MkdirTemp("", "bench-ts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tsDir)
	ourDir, err := os.MkdirTemp("", "bench-signet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(ourDir)
	if err := tsPersist(tsDir, tsGen, tsUpd); err != nil {
		return err
	}
	if err := ourPersist(ourDir, c, nil); err != nil {
		return err
	}
	peer, err := median(func() (time.Duration, error) {
		return timed(func() error {
			fs, err := ts.ChonkDir(tsDir)
			if err != nil {
				return err
			}
			_, err = ts.Open(fs)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("tailscale open from files: %w", err)
	}
	ours, err := median(func() (time.Duration, error) {
		return timed(func() error { return reopen(ourDir, c) })
	})
	if err != nil {
		return fmt.Errorf("signet open from files: %w", err)
	}
	figure("open-files-tailscale", peer)
	figure("open-files-signet", ours)
	ratio("open-files", peer, ours)
	return nil
}

func reopen(dir string, c *chaingen.Chain) error {
	st, err := signer.OpenChainStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := tka.Open(st)
	if err != nil {
		return err
	}
	if c != nil && len(c.Updates) > 0 && a.Head() != c.Updates[len(c.Updates)-1].Hash() {
		return fmt.Errorf("reopened head %v is not the chain's head", a.Head())
	}
	return nil
}

func tsPersist(dir string, g ts.AUM, upd []ts.AUM) error {
	fs, err := ts.ChonkDir(dir)
	if err != nil {
		return err
	}
	a, err := ts.Bootstrap(fs, g)
	if err != nil {
		return err
	}
	return a.Inform(fs, upd)
}

// ourPersist imports c into a chain store in dir; d, if not nil, gets the
// time the Inform took.
func ourPersist(dir string, c *chaingen.Chain, d *time.Duration) error {
	st, err := signer.OpenChainStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := tka.Bootstrap(st, c.Genesis)
	if err != nil {
		return err
	}
	start := time.Now()
	err = a.Inform(st, c.Updates)
	if d != nil {
		*d = time.Since(start)
	}
	return err
}
