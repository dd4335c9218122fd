package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/signetbox/signet/internal/testenv"
)

// TestMain lets the test binary act as the signet command inside scripts.
func TestMain(m *testing.M) {
	testscript.Main(testenv.M(m), map[string]func(){
		"signet":           signetDetached,
		"signet-procstate": signetProcState,
		"testfix":          testfixMain,
		"signet-seeded":    signetSeeded,
		"signet-confined":  signetConfined,
		"signet-flood":     signetFlood,
	})
}

// TestScripts runs the CLI scripts in testdata/*.txtar against the real main.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"jsonnorm": cmdJSONNorm,
			"wgup":     cmdWGUp,
		},
	})
}
