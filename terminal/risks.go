package terminal

// Risk is one way other processes could type into a terminal, and what
// to do about it.
type Risk struct {
	What string // what is wrong, one clause
	Hint string // the next step that removes it
}

// Claimed makes t the daemon's own terminal ([TTY.Claim]) and returns
// what still lets other processes type into it: a terminal that stays
// shared with another session, or a kernel that allows TIOCSTI. None
// means the terminal is the daemon's alone (root aside).
func (t *TTY) Claimed() []Risk {
	var risks []Risk
	if err := t.Claim(); err != nil {
		risks = append(risks, Risk{err.Error(),
			"run signet serve from its systemd unit (StandardInput=tty gives it the console), or start it with setsid(1) on a terminal no session uses"})
	}
	if on, how := t.TIOCSTIAllowed(); on {
		risks = append(risks, Risk{"the kernel lets processes push keys into their terminal with TIOCSTI (" + how + ")",
			"turn that off with 'sysctl -w dev.tty.legacy_tiocsti=0' (and a file in /etc/sysctl.d; the appliance image has one)"})
	}
	return risks
}
