package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the signet-relay command inside
// scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"signet-relay": main})
}

// TestScripts runs the CLI scripts in testdata/*.txtar against the real
// main.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
