package testrig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
)

// PTY is a Console on the master side of a pseudo-terminal whose slave
// is the daemon's console. Typing a line writes it with a carriage
// return, as the Enter key does. The operator does not close it (it is
// not an io.Closer): the test closes the pty, which ends the operator.
type PTY struct{ Master *os.File }

// Read reads what the daemon wrote to the terminal.
func (p PTY) Read(b []byte) (int, error) { return p.Master.Read(b) }

// Type types line and Enter.
func (p PTY) Type(line string) error {
	_, err := p.Master.WriteString(line + "\r")
	return err
}

// Tmux is a Console on a tmux session: it reads the pane's output from
// Stream, the file tmux pipe-pane appends it to (see [PipePane]; the file
// need not exist yet), and types with send-keys.
type Tmux struct {
	Session, Stream string
	f               *os.File
}

// NewTmux returns the Console of session, whose output is piped to
// stream.
func NewTmux(session, stream string) *Tmux { return &Tmux{Session: session, Stream: stream} }

// Read reads the pane's output that came since the last Read; nothing
// (with a nil error) while the stream file does not exist yet.
func (c *Tmux) Read(b []byte) (int, error) {
	if c.f == nil {
		f, err := os.Open(c.Stream)
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		c.f = f
	}
	return c.f.Read(b)
}

// Type types line literally into the session, then presses Enter.
func (c *Tmux) Type(line string) error { return TmuxType(c.Session, line) }

// Close closes the stream file.
func (c *Tmux) Close() error {
	if c.f == nil {
		return nil
	}
	return c.f.Close()
}

// PipePane appends everything tmux session's pane prints from now on to
// the file stream.
func PipePane(session, stream string) error {
	if out, err := exec.Command("tmux", "pipe-pane", "-t", session, "cat >> "+stream).CombinedOutput(); err != nil {
		return fmt.Errorf("tmux pipe-pane: %v %s", err, out)
	}
	return nil
}

// TmuxType types text literally into tmux session, then presses Enter.
func TmuxType(session, text string) error {
	for _, args := range [][]string{{"send-keys", "-t", session, "-l", text}, {"send-keys", "-t", session, "Enter"}} {
		if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("tmux send-keys: %v %s", err, out)
		}
	}
	return nil
}
