// Package e2e holds end-to-end tests against real tailscale.com code:
// testcontrol, tsnet nodes, a local DERP and STUN, all on 127.0.0.1.
// It is its own package so "go test ./..." builds the heavy tsnet
// dependency tree once, here.
package e2e
