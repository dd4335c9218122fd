package daemon

import (
	"io"
	"time"
)

// Options are the settings of 'signet serve': its flags, and where its
// messages go.
type Options struct {
	// Socket is the unix socket the API is served on.
	Socket string
	// Group may use the socket; "" for none. GroupGiven says it was
	// asked for: then it must exist (SocketGroup).
	Group      string
	GroupGiven bool
	// Console is the console terminal device; "" for /dev/tty.
	Console string
	// ReviewTimeout denies a request not decided in time.
	ReviewTimeout time.Duration
	// InsecureSoftKey allows a software key (development only).
	InsecureSoftKey bool
	// InsecureConsole starts even on a console others can type into.
	InsecureConsole bool
	// Demo creates a demo authority in an empty chain store.
	Demo bool
	// NoColor turns the console's colours off.
	NoColor bool
	// QRResults shows each release as a QR code on the console.
	QRResults bool
	// WireGuard, when set, is the WireGuard intake's config file.
	WireGuard string
	// AllowUnconfined runs on a kernel without Landlock.
	AllowUnconfined bool
	// Log gets the daemon's notes, warnings and errors (standard error).
	Log io.Writer
}

// console is the console device the options name.
func (o *Options) console() string {
	if o.Console == "" {
		return "/dev/tty"
	}
	return o.Console
}
