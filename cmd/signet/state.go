package main

import (
	"github.com/spf13/cobra"

	"github.com/signetbox/signet/statedir"
)

// stateFlag names the persistent flag that every verb reads the state
// directory from.
const stateFlag = "state"

// addStateDirFlag adds the global --state flag to root.
func addStateDirFlag(root *cobra.Command) {
	root.PersistentFlags().String(stateFlag, statedir.Default, "`DIR` holding the journal, chain store and key files")
}

// stateDirOf returns the state directory the command line names.
func stateDirOf(cmd *cobra.Command) string {
	if f := cmd.Flag(stateFlag); f != nil {
		return f.Value.String()
	}
	return statedir.Default
}
