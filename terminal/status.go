package terminal

import "fmt"

// Notify shows msg on the status line (the bottom row), sanitised. While
// a screen is active ([TTY.SetActive]) it only marks the screen for a
// redraw and wakes its reader. msg must never be a secret.
func (t *TTY) Notify(msg string) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.notice = msg
	if t.active {
		t.dirty.Store(true)
		t.Wake()
		return
	}
	t.writeStatusLocked()
}

// ClearNotice forgets the status line's message without drawing.
func (t *TTY) ClearNotice() {
	t.wmu.Lock()
	t.notice = ""
	t.wmu.Unlock()
}

// SetTag puts tag (in capitals, shown as a warning) before every status
// line, for a state that lasts, such as an insecure console.
func (t *TTY) SetTag(tag string) {
	t.wmu.Lock()
	t.tag = tag
	t.wmu.Unlock()
}

// SetActive marks whether a screen owns the terminal; while it does,
// Notify leaves drawing to it.
func (t *TTY) SetActive(on bool) {
	t.wmu.Lock()
	t.active = on
	t.wmu.Unlock()
}

// NoticeChanged reports whether a notice arrived since the last call.
func (t *TTY) NoticeChanged() bool { return t.dirty.Swap(false) }

// StatusText is the styled status line for a screen cols wide: the tag,
// then the notice, cut to fit. The caller holds no lock.
func (t *TTY) StatusText(cols int) string {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	return t.statusTextLocked(cols)
}

func (t *TTY) statusTextLocked(cols int) string {
	switch {
	case t.notice == "":
		return t.Style(StyleWarn, t.tag)
	case t.tag != "":
		s, _ := SanitizeCap(t.notice, cols-2-len(t.tag))
		return t.Style(StyleWarn, t.tag) + " " + t.Style(StyleNotice, s)
	}
	s, _ := SanitizeCap(t.notice, cols-1)
	return t.Style(StyleNotice, s)
}

// DrawStatus redraws the status line and puts the cursor back.
func (t *TTY) DrawStatus() {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.writeStatusLocked()
}

// writeStatusLocked draws the status line, saving and restoring the
// cursor; t.wmu is held.
func (t *TTY) writeStatusLocked() {
	rows, cols := t.Size()
	t.f.WriteString(fmt.Sprintf("\x1b7\x1b[%d;1H\x1b[2K%s\x1b8", rows, t.statusTextLocked(cols)))
}
