package cli

// Rules for this file: every --json output of a read verb follows
// docs/json.md. One object on stdout, its first member "schema_version"
// (an integer, the verb's own), snake_case names, members that do not
// apply left out, lists [] when empty, times RFC 3339 in UTC. A verb that
// fails prints no JSON. `signet log --json` is the one exception: it
// prints tailscale's own format.

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// AddJSONFlag adds --json[=VERSION] to a read verb whose output has
// schema version current: --json alone prints the current version, and a
// script may pin the version it was written for.
func AddJSONFlag(cmd *cobra.Command, v *int, current int) {
	cmd.Flags().IntVar(v, "json", 0, fmt.Sprintf("print one JSON object, schema `VERSION` (--json alone: %d; docs/json.md)", current))
	cmd.Flags().Lookup("json").NoOptDefVal = fmt.Sprint(current)
}

// CheckJSONVersion refuses, as a usage error, a schema version v that a
// verb whose current version is current does not print. 0 means text.
func CheckJSONVersion(v, current int) error {
	if v != 0 && v != current {
		return Usagef("--json=%d is not a schema this signet prints; use --json=%d", v, current)
	}
	return nil
}

// WriteJSON writes v, an output object whose first member is
// schema_version, as indented JSON and a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// EmptyIfNil returns s, or an empty list for nil: lists in the output are
// [] when empty, never null.
func EmptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
