package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/hdevalence/ed25519consensus"
	"golang.org/x/crypto/blake2s"
	ts "tailscale.com/tka"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/tka"
)

// informChunk is how many AUMs of a long chain are decoded and verified
// at a time: memory stays bounded by the chunk, not the chain.
const informChunk = 1024

// benchBigChain: a chain far past tailscale.com's 2,000-AUM scan limit,
// streamed from a file, verified into a chain store in bounded memory, and
// reopened after a restart.
func benchBigChain() error {
	dir, err := os.MkdirTemp("", "bench-big-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "chain.bin")
	genesis, signerKey, err := writeBigChain(src, *bigLen)
	if err != nil {
		return err
	}
	storeDir := filepath.Join(dir, "store")
	if err := os.Mkdir(storeDir, 0o700); err != nil {
		return err
	}
	runtime.GC()
	var peak atomic.Uint64
	stop := sampleHeap(&peak)
	d, head, err := streamImport(src, storeDir, genesis)
	stop()
	if err != nil {
		return err
	}
	floor, err := bigFloor(src, signerKey)
	if err != nil {
		return err
	}
	reopenTime, err := timed(func() error { return reopenBig(storeDir, head) })
	if err != nil {
		return fmt.Errorf("reopening the long chain: %w", err)
	}
	fmt.Printf("FIGURE big-chain-aums %d count\n", *bigLen+1)
	figure("big-verify-signet", d)
	figure("big-verify-floor", floor)
	ratio("big-verify-vs-floor", floor, d)
	fmt.Printf("FIGURE big-verify-peak-heap %.1f MiB\n", float64(peak.Load())/(1<<20))
	figure("big-reopen-signet", reopenTime)
	return tailscaleRefusesBig(src, genesis)
}

// writeBigChain builds an n-update chain straight into a file of
// length-prefixed AUMs.
func writeBigChain(path string, n int) (*tka.AUM, chaingen.Key, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, chaingen.Key{}, err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	c, err := chaingen.Build(n, func(u *tka.AUM) error { return writeRecord(w, u.Serialize()) })
	if err != nil {
		return nil, chaingen.Key{}, err
	}
	if err := w.Flush(); err != nil {
		return nil, chaingen.Key{}, err
	}
	return c.Genesis, c.Signer, f.Sync()
}

func writeRecord(w io.Writer, b []byte) error {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

func readRecord(r *bufio.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(n[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

// streamImport verifies the chain in src into a new chain store,
// informChunk AUMs at a time.
func streamImport(src, storeDir string, genesis *tka.AUM) (time.Duration, tka.AUMHash, error) {
	start := time.Now()
	st, err := signer.OpenChainStore(storeDir)
	if err != nil {
		return 0, tka.AUMHash{}, err
	}
	defer st.Close()
	a, err := tka.Bootstrap(st, genesis)
	if err != nil {
		return 0, tka.AUMHash{}, err
	}
	f, err := os.Open(src)
	if err != nil {
		return 0, tka.AUMHash{}, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	chunk := make([]*tka.AUM, 0, informChunk)
	for {
		raw, err := readRecord(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, tka.AUMHash{}, err
		}
		u, err := tka.DecodeAUM(raw)
		if err != nil {
			return 0, tka.AUMHash{}, err
		}
		if chunk = append(chunk, u); len(chunk) == informChunk {
			if err := a.Inform(st, chunk); err != nil {
				return 0, tka.AUMHash{}, err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 {
		if err := a.Inform(st, chunk); err != nil {
			return 0, tka.AUMHash{}, err
		}
	}
	return time.Since(start), a.Head(), nil
}

// bigFloor times N BLAKE2s hashes and N batch-verified signatures.
func bigFloor(src string, k chaingen.Key) (time.Duration, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var raws, msgs, sigs [][]byte
	for {
		raw, err := readRecord(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		u, err := tka.DecodeAUM(raw)
		if err != nil {
			return 0, err
		}
		h := u.SigHash()
		raws, msgs, sigs = append(raws, raw), append(msgs, h[:]), append(sigs, u.Signatures[0].Signature)
	}
	pub := k.PublicKey()
	return timed(func() error {
		for start := 0; start < len(raws); start += floorBatch {
			end := min(start+floorBatch, len(raws))
			v := ed25519consensus.NewPreallocatedBatchVerifier(end - start)
			for i := start; i < end; i++ {
				_ = blake2s.Sum256(raws[i])
				v.Add(pub, msgs[i], sigs[i])
			}
			if !v.Verify() {
				return fmt.Errorf("floor batch at %d failed", start)
			}
		}
		return nil
	})
}

func reopenBig(dir string, head tka.AUMHash) error {
	st, err := signer.OpenChainStore(dir)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := tka.Open(st)
	if err != nil {
		return err
	}
	if a.Head() != head {
		return fmt.Errorf("reopened head %v, want %v", a.Head(), head)
	}
	return nil
}

// sampleHeap records the peak live heap until the returned stop is called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// tailscaleRefusesBig stores the long chain in tailscale.com's memory
// store and shows that tka.Open refuses to reopen it.
func tailscaleRefusesBig(src string, genesis *tka.AUM) error {
	g, err := toTS(genesis)
	if err != nil {
		return err
	}
	st := ts.ChonkMem()
	if _, err := ts.Bootstrap(st, g); err != nil {
		return err
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var batch []ts.AUM
	for {
		raw, err := readRecord(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		var u ts.AUM
		if err := u.Unserialize(raw); err != nil {
			return err
		}
		batch = append(batch, u)
	}
	if err := st.CommitVerifiedAUMs(batch); err != nil {
		return err
	}
	_, err = ts.Open(st)
	refused := 0
	if err != nil {
		refused = 1
		fmt.Printf("NOTE tailscale.com tka.Open on the long chain: %v\n", err)
	}
	fmt.Printf("FIGURE big-reopen-tailscale-refused %d bool\n", refused)
	return nil
}
