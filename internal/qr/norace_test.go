//go:build !race

package qr

// raceEnabled: the race detector is on (go test -race).
const raceEnabled = false
