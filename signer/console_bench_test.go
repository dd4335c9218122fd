package signer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/ptytest"
)

// BenchmarkConsolePromptToScreen measures the time from Confirm being
// called to the approval code arriving on the pty's master side, the way a
// terminal would receive it.
func BenchmarkConsolePromptToScreen(b *testing.B) {
	m, s := ptytest.Open(b, 40, 120)
	c, err := NewConsole(s, ConsoleOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	chunks := make(chan string, 1024)
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := m.Read(buf)
			if n > 0 {
				chunks <- string(buf[:n])
			}
			if err != nil {
				close(chunks)
				return
			}
		}
	}()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		r := testReview(fmt.Sprintf("bench-%d", i))
		start := time.Now()
		done := make(chan Decision, 1)
		go func() {
			d, _ := c.Confirm(context.Background(), r)
			done <- d
		}()
		waitChunks(b, chunks, r.Code)
		lat = append(lat, time.Since(start))
		m.WriteString("\x03") // the frame with the code is one write, drawn in raw mode; Ctrl-C denies at once
		if d := <-done; d.Outcome != OutcomeDenied {
			b.Fatalf("got %s, want denied", d.Outcome)
		}
		waitChunks(b, chunks, ": denied")
	}
	slices.Sort(lat)
	med := lat[len(lat)/2]
	b.ReportMetric(float64(med.Microseconds())/1000, "ms/prompt-p50")
	fmt.Printf("FIGURE prompt-to-screen %.2f ms\n", float64(med.Microseconds())/1000)
}

// waitChunks reads screen output until want appears.
func waitChunks(b *testing.B, chunks <-chan string, want string) {
	var acc strings.Builder
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ch, ok := <-chunks:
			if !ok {
				b.Fatal("pty closed")
			}
			acc.WriteString(ch)
			if strings.Contains(acc.String(), want) {
				return
			}
		case <-timeout:
			b.Fatalf("screen never showed %q", want)
		}
	}
}
