package terminal

import "github.com/signetbox/signet/internal/safetext"

// Sanitize returns s with everything a terminal could act on, or draw in
// other than one column, shown as a visible escape; internal/safetext
// holds the rule and its tests.
func Sanitize(s string) string { return safetext.Sanitize(s) }

// SanitizeCap is Sanitize with the output cut at max columns (0: no cap);
// it reports whether anything was cut.
func SanitizeCap(s string, max int) (string, bool) { return safetext.SanitizeCap(s, max) }

// Width is how many columns sanitized text takes.
func Width(s string) int { return safetext.Width(s) }
