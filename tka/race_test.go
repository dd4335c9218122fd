//go:build race

package tka

// raceEnabled: the race detector is on (go test -race). The long
// differential loops, which start no goroutine, then run a sample; make
// sweeps (part of make test) runs them in full without it.
const raceEnabled = true
