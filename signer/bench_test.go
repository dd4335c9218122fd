package signer

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/signetbox/signet/api"
	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/hsm/tpm"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/tka"
)

// batchOf makes a batch request of n new node keys.
func batchOf(id string, n int) *api.Request {
	req := &api.Request{ID: id, Kind: api.KindBatch}
	for i := range n {
		var nk tka.NodeKey
		copy(nk[:], fmt.Sprintf("%s-%08d", id, i))
		nk[31] = 0xbb
		req.Nodes = append(req.Nodes, api.BatchNode{NodeKey: nk.String()})
	}
	return req
}

// benchBatch re-signs 1,000 node keys after one confirmation, journal and
// signature index included, and prints the median as a FIGURE line.
func benchBatch(b *testing.B, f *fixture, name string) {
	var ds []time.Duration
	for i := 0; b.Loop(); i++ {
		req := batchOf(fmt.Sprintf("bench%d", i), 1000)
		start := time.Now()
		resp := f.svc.Handle(context.Background(), req, "bench")
		ds = append(ds, time.Since(start))
		if resp.Status != api.StatusSigned || len(resp.Nodes) != 1000 {
			b.Fatalf("batch: %s %s", resp.Status, resp.Error)
		}
	}
	med := medianDuration(ds)
	b.ReportMetric(float64(med)/float64(time.Millisecond), "ms-median")
	fmt.Printf("FIGURE %s %.1f ms\n", name, float64(med)/float64(time.Millisecond))
}

func medianDuration(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func BenchmarkBatch1000Soft(b *testing.B) {
	f := newFixture(b)
	benchBatch(b, f, "batch-1000-soft")
}

func BenchmarkBatch1000SWTPM(b *testing.B) {
	dir := b.TempDir()
	inst, err := swtpm.Start(filepath.Join(dir, "tpm"))
	if err != nil {
		b.Skip(err)
	}
	defer inst.Stop()
	ctx := context.Background()
	t, err := tpm.OpenDevice(inst.Device)
	if err != nil {
		b.Fatal(err)
	}
	pin := []byte("bench pin")
	keyPath := statedir.Path(dir, statedir.TPMKey)
	if _, err := tpm.Provision(ctx, t, tpm.ProvisionOptions{Path: keyPath, PIN: append([]byte(nil), pin...)}); err != nil {
		b.Fatal(err)
	}
	t.Close()
	key, err := tpm.Open(ctx, keyPath, inst.Device, hsm.FixedPIN(pin))
	if err != nil {
		b.Fatal(err)
	}
	defer key.Close()
	f := newFixtureWithKey(b, dir, key)
	benchBatch(b, f, "batch-1000-swtpm")
}
