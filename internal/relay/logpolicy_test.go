package relay

import (
	"os"
	"testing"

	"tailscale.com/envknob"
)

// TestNoLogsNoSupport checks that the option reaches the knob tsnet and
// its log uploader read, and that leaving it off changes nothing.
func TestNoLogsNoSupport(t *testing.T) {
	t.Setenv("TS_NO_LOGS_NO_SUPPORT", "")
	applyLogPolicy(Options{})
	if envknob.NoLogsNoSupport() {
		t.Fatal("log upload turned off without --no-logs-no-support")
	}
	applyLogPolicy(Options{NoLogsNoSupport: true})
	if !envknob.NoLogsNoSupport() || os.Getenv("TS_NO_LOGS_NO_SUPPORT") != "true" {
		t.Fatal("--no-logs-no-support did not turn off tsnet's log upload")
	}
}
