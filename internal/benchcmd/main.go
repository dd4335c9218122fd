// Command benchcmd measures signet's tka against tailscale.com/tka on the
// same inputs in one process, and prints one line per result:
//
//	RATIO <name> <peer time / signet time>
//	FIGURE <name> <value> <unit>
//
// It links tailscale.com, so it is a separate command, never part of the
// signet binary. Run it with `make bench`.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"time"
)

var (
	chainLen = flag.Int("chain", 1998, "updates after genesis in the chain compared with tailscale.com (1,999 AUMs, the longest tka.Open reopens)")
	bigLen   = flag.Int("big", 100000, "updates in the long chain only signet can reopen (0 skips it)")
	rounds   = flag.Int("rounds", 5, "timed runs per measurement; the median is reported")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchcmd: error:", err)
		os.Exit(1)
	}
}

func run() error {
	cases := []func() error{benchOpen, benchVerify, benchPersist, benchNodeKeys}
	if *bigLen > 0 {
		cases = append(cases, benchBigChain)
	}
	for _, c := range cases {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

// median runs f rounds times (after one warm-up run) and returns the
// median duration. f returns the part of its time that counts.
func median(f func() (time.Duration, error)) (time.Duration, error) {
	if _, err := f(); err != nil {
		return 0, err
	}
	var ds []time.Duration
	for range *rounds {
		d, err := f()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

// timed returns how long f took.
func timed(f func() error) (time.Duration, error) {
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func ratio(name string, peer, ours time.Duration) {
	fmt.Printf("RATIO %s %.2f\n", name, float64(peer)/float64(ours))
}

func figure(name string, d time.Duration) {
	fmt.Printf("FIGURE %s %.3f ms\n", name, float64(d)/float64(time.Millisecond))
}
