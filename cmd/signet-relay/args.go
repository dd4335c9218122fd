package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// oneDashFlags rewrites the root's long options written with one dash
// (-dir DIR, -keygen, -metrics-port=9464), which signet-relay took when
// it parsed its command line with Go's flag package, to the two-dash
// form cobra takes. Everything else is left alone: short flags (-h),
// flag values, and everything from the first argument on ("--", or a
// command such as "version" and its own command line).
func oneDashFlags(root *cobra.Command, args []string) []string {
	out := append([]string(nil), args...)
	fs := root.Flags()
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "-" || !strings.HasPrefix(a, "-") || a == "--" {
			return out
		}
		twoDash := strings.HasPrefix(a, "--")
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if f == nil || len(name) < 2 {
			continue // a shorthand, or a flag cobra will refuse
		}
		if !twoDash {
			out[i] = "-" + a
		}
		if !hasValue && takesValue(f) {
			i++ // the next argument is this flag's value, whatever it looks like
		}
	}
	return out
}

// takesValue reports whether f needs a value ("--dir DIR"), unlike a
// boolean flag.
func takesValue(f *pflag.Flag) bool { return f.NoOptDefVal == "" }
