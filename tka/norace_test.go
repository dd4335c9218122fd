//go:build !race

package tka

// raceEnabled: the race detector is on (go test -race).
const raceEnabled = false
