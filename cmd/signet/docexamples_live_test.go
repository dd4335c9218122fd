package main

// The doc examples that need hardware, a terminal or a running tunnel,
// run through the real binary as an operator runs them: key init and the
// PIN verbs on swtpm and on the virtual YubiKey behind pcscd, in a tmux
// pane whose prompts the test answers as it reads them; the ceremony the
// same way; `signet serve` started in a pane of its own, checked to come
// up and stopped; `--deeplink` with a link made the way tailscale.com/tka
// makes it; `wg show` against the shared box, which runs with --wireguard
// and a tunnel a relay peer has shaken hands over.

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/chaingen"
	"github.com/signetbox/signet/internal/consolescreen"
	"github.com/signetbox/signet/internal/swtpm"
	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/vpiv"
	"github.com/signetbox/signet/internal/wgintake"
	"github.com/signetbox/signet/tka"
	ts "tailscale.com/tka"
)

// The secrets the examples' operator types.
const (
	docTPMPIN     = "doc-tpm-pin-1357"
	docTPMPIN2    = "doc-tpm-pin-8642"
	docPassphrase = "doc examples passphrase"
	docPIVPIN     = "13572468"
	docPIVPUK     = "97531864"
	docPIVSerial  = 12345678 // the serial the man page names
)

// docTPM is a state dir with a key sealed to a swtpm of its own, and what
// the operator knows about it.
type docTPM struct {
	dir     string
	inst    *swtpm.Instance
	pin     string
	lockout string // hex, as shown once at init
}

// paneRule answers a prompt: when the pane's last line matches prompt,
// the operator types reply().
type paneRule struct {
	prompt *regexp.Regexp
	reply  func(text string) string // text: the pane's output so far
}

// rule answers the prompt the pattern matches with reply.
func rule(prompt string, reply func(string) string) paneRule {
	return paneRule{regexp.MustCompile(prompt), reply}
}

// typed is a reply that types s.
func typed(s string) func(string) string { return func(string) string { return s } }

// paneExitRE finds the exit status startPane's shell prints.
var paneExitRE = regexp.MustCompile(`PANE-EXITED (\d+)`)

// inPane runs signet with args in a fresh tmux pane, answering each
// prompt by the first rule that matches it, and returns what the pane
// showed and the exit status. An unanswered prompt fails the test.
func (d *docBoxes) inPane(ex docExample, args []string, rules []paneRule) (string, int) {
	t := d.t
	t.Helper()
	p := startPane(t, d.bin, args...)
	deadline := time.Now().Add(20 * time.Second) // after the last answer
	for answered := 0; ; {
		text := p.text()
		if m := paneExitRE.FindStringSubmatch(text); m != nil {
			code, _ := strconv.Atoi(m[1])
			return text, code
		}
		cur := text[answered:]
		cur = strings.TrimLeft(cur[strings.LastIndexAny(cur, "\r\n")+1:], " \t")
		if cur != "" {
			for _, r := range rules {
				if r.prompt.MatchString(cur) {
					answered = len(text)
					time.Sleep(50 * time.Millisecond) // a person reads the prompt first
					p.typeLine(r.reply(text))
					deadline = time.Now().Add(20 * time.Second)
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s:%d: %q stopped at %q; the screen:\n%s", ex.file, ex.line, ex.text, cur, p.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectRun fails the test unless the run exited with status want and
// its output has a line matching each of lines.
func (d *docBoxes) expectRun(ex docExample, args []string, text string, code, want int, lines ...string) {
	d.t.Helper()
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for _, secret := range []string{docTPMPIN, docTPMPIN2, docPassphrase, docPIVPIN, docPIVPUK} {
		if strings.Contains(text, secret) {
			d.t.Errorf("%s:%d: %q showed a PIN or passphrase the operator typed:\n%s", ex.file, ex.line, ex.text, text)
		}
	}
	if code != want {
		d.t.Errorf("%s:%d: %q exited %d, want %d (run as signet %s):\n%s", ex.file, ex.line, ex.text, code, want, strings.Join(args, " "), text)
		return
	}
	for _, l := range lines {
		if !regexp.MustCompile(`(?m)` + l).MatchString(text) {
			d.t.Errorf("%s:%d: %q printed no line matching %q (run as signet %s):\n%s", ex.file, ex.line, ex.text, l, strings.Join(args, " "), text)
		}
	}
}

// liveKind says which live runner takes an example, or "".
func liveKind(text string) string {
	switch {
	case strings.HasPrefix(text, "signet key init"):
		return "key-init"
	case strings.HasPrefix(text, "signet key change-pin"), strings.HasPrefix(text, "signet key reset-lockout"):
		return "key-pin"
	case strings.HasPrefix(text, "signet ceremony init"):
		return "ceremony"
	case strings.HasPrefix(text, "signet serve"):
		return "serve"
	}
	return ""
}

// normWords turns an example's words into arguments as parseExample
// does: the synopsis's "[--flag value]" and "a|b" become the flag and a.
func normWords(words []string) []string {
	var out []string
	for _, w := range words[1:] {
		w = strings.Trim(w, "[]")
		if k, _, ok := strings.Cut(w, "|"); ok && !strings.HasPrefix(w, "--") {
			w = k
		}
		if w == "" {
			continue
		}
		out = append(out, w)
	}
	return out
}

// flagValue returns the value of flag in args and its index, or -1.
func flagValue(args []string, flag string) (string, int) {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			return args[i+1], i + 1
		}
	}
	return "", -1
}

// setFlag sets flag to v in args, adding it when missing.
func setFlag(args []string, flag, v string) []string {
	if _, i := flagValue(args, flag); i >= 0 {
		args[i] = v
		return args
	}
	return append(args, flag, v)
}

// unavailable says why a live example cannot run on this machine (the
// swtpm or pcscd it needs is not installed), or "". In CI a missing
// component fails the test instead.
func (d *docBoxes) unavailable(text string) string {
	need := ""
	switch kind := liveKind(text); {
	case strings.Contains(text, "--hsm piv"):
		need = "pcscd"
	case kind == "serve" && strings.Contains(text, "--insecure-soft-key"), kind == "key-init" && strings.Contains(text, "--hsm soft"):
	case kind != "":
		need = "swtpm"
	}
	if need == "" {
		return ""
	}
	err, checked := d.missing[need]
	if !checked {
		if need == "swtpm" {
			_, err = exec.LookPath("swtpm")
		} else {
			err = vpiv.EnsurePCSCD()
		}
		d.missing[need] = err
	}
	if err == nil {
		return ""
	}
	if testenv.InCI() {
		d.t.Fatalf("%s is missing (CI=true, so this is a failure: scripts/deps.sh must install it): %v", need, err)
	}
	return fmt.Sprintf("%s is missing here (%v); scripts/deps.sh installs it, and CI runs this example", need, err)
}

// runLive runs an example of kind (liveKind).
func (d *docBoxes) runLive(ex docExample, kind string, words []string) {
	switch kind {
	case "key-init":
		d.keyInit(ex, normWords(words))
	case "key-pin":
		d.keyPIN(ex, normWords(words))
	case "ceremony":
		d.ceremony(ex, normWords(words))
	case "serve":
		d.serve(ex, normWords(words))
	}
}

// startSWTPM starts a swtpm that lives until the test ends.
func (d *docBoxes) startSWTPM() *swtpm.Instance {
	t := d.t
	inst, err := swtpm.Start(filepath.Join(t.TempDir(), "swtpm"))
	if err != nil {
		testenv.SkipOrFail(t, "swtpm: %v", err)
	}
	t.Cleanup(inst.Stop)
	return inst
}

// pivCard inserts the virtual YubiKey (once per test) and puts it back to
// factory state, with serial, for the next key init.
func (d *docBoxes) pivCard(serial uint32) *vpiv.Card {
	t := d.t
	if d.card == nil {
		t0 := time.Now()
		vpiv.RequirePCSCD(t)
		c, err := insertCard(serial)
		if err != nil {
			t.Fatal(err)
		}
		// The first insertion waits while other test processes hold
		// their virtual cards (internal/vpiv's machine-wide lock).
		t.Logf("inserting the virtual YubiKey took %.1f s", time.Since(t0).Seconds())
		t.Cleanup(c.Remove)
		d.card = c
	}
	d.card.Reset()
	d.card.SetSerial(serial)
	d.card.SetTouch(func() error { return nil }) // touched at once
	return d.card
}

// keyInit runs a `signet key init` example, remembering the state dir it
// made for the examples after it on its line and, for a TPM key, in its
// section, and as the TPM box of the PIN and serve examples.
func (d *docBoxes) keyInit(ex docExample, args []string) {
	dir, tpm := d.makeKey(ex, args)
	d.lineDir[exampleLine(ex)] = dir
	if tpm != nil {
		d.tpm = tpm
		d.sectionDir[ex.file+"#"+ex.section] = dir
	}
}

// newTPMKey makes a fresh state dir with a key on a fresh swtpm.
func (d *docBoxes) newTPMKey() *docTPM {
	_, tpm := d.makeKey(docExample{file: "(made for the test)", text: "signet key init --hsm tpm"}, []string{"key", "init", "--hsm", "tpm"})
	return tpm
}

// makeKey runs `signet key init` on a fresh state dir: on a fresh swtpm
// (--device names it), on the virtual YubiKey (--serial names it; N is
// its serial) or as a soft key, typing the PINs and passphrases it asks
// for.
func (d *docBoxes) makeKey(ex docExample, args []string) (string, *docTPM) {
	t := d.t
	dir := t.TempDir()
	args = setFlag(args, "--state", dir)
	hsmName, _ := flagValue(args, "--hsm")
	var rules []paneRule
	var made, more string
	var inst *swtpm.Instance
	switch hsmName {
	case "tpm":
		inst = d.startSWTPM()
		args = setFlag(args, "--device", inst.Device)
		rules = []paneRule{rule(`^New TPM PIN: $`, typed(docTPMPIN)), rule(`^Repeat the new TPM PIN: $`, typed(docTPMPIN))}
		made = `^signet: made a tpm key: tpm:.*\?device=tcp://127\.0\.0\.1:[0-9]+$`
	case "piv":
		serial := uint32(docPIVSerial)
		if v, i := flagValue(args, "--serial"); i >= 0 {
			if n, err := strconv.ParseUint(v, 10, 32); err == nil {
				serial = uint32(n)
			} else {
				args[i] = strconv.Itoa(docPIVSerial) // the synopsis's N
			}
		}
		d.pivCard(serial)
		rules = pivInitRules
		made = fmt.Sprintf(`^signet: made a piv key: piv:serial=%d;slot=9c$`, serial)
		// The virtual card's attestation chains to its own CA, not to
		// Yubico's root, which key init checks without --roots.
		more = fmt.Sprintf(`^signet: warning: the new key's attestation does not verify: .*YubiKey %d`, serial)
	case "soft":
		rules = []paneRule{rule(`^New passphrase: $`, typed(docPassphrase)), rule(`^Repeat the new passphrase: $`, typed(docPassphrase))}
		made = `^signet: made a soft key: soft:`
	default:
		t.Fatalf("%s:%d: key init with --hsm %q", ex.file, ex.line, hsmName)
	}
	text, code := d.inPane(ex, args, rules)
	want := []string{`^tlpub:[0-9a-f]{64}$`, made}
	if more != "" {
		want = append(want, more)
	}
	d.expectRun(ex, args, text, code, 0, want...)
	pub, err := os.ReadFile(filepath.Join(dir, "key.pub"))
	if err != nil || !strings.Contains(text, strings.TrimSpace(string(pub))) {
		t.Errorf("%s:%d: key.pub (%v) is not the tlpub key init printed:\n%s", ex.file, ex.line, err, text)
	}
	if hsmName != "tpm" {
		return dir, nil
	}
	m := shownOnce.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s:%d: no lockout secret shown once:\n%s", ex.file, ex.line, text)
	}
	return dir, &docTPM{dir: dir, inst: inst, pin: docTPMPIN, lockout: strings.Join(strings.Fields(m[1]), "")}
}

// pivInitRules answer a factory-fresh YubiKey's init.
var pivInitRules = []paneRule{
	rule(`^Type the current PIN \(123456 on a new YubiKey\): $`, typed("123456")),
	rule(`^Type the current PUK \(12345678 on a new YubiKey\): $`, typed("12345678")),
	rule(`PUK \(6 to 8 characters\): $`, typed(docPIVPUK)),
	rule(`PIN \(6 to 8 characters\): $`, typed(docPIVPIN)),
}

// exampleLine names an example's line: FILE:LINE.
func exampleLine(ex docExample) string { return fmt.Sprintf("%s:%d", ex.file, ex.line) }

// tpmBox is the box whose key is sealed to a swtpm: the one the last
// `key init --hsm tpm` example made, or a new one made the same way.
func (d *docBoxes) tpmBox() *docTPM {
	if d.tpm == nil {
		d.tpm = d.newTPMKey()
	}
	return d.tpm
}

// keyPIN runs `signet key change-pin` or `signet key reset-lockout` on
// the TPM box, typing its PIN or the lockout secret init showed.
func (d *docBoxes) keyPIN(ex docExample, args []string) {
	b := d.tpmBox()
	args = setFlag(args, "--state", b.dir)
	if args[1] == "change-pin" {
		next := docTPMPIN2
		if b.pin == next {
			next = docTPMPIN
		}
		rules := []paneRule{rule(`^Current TPM PIN: $`, typed(b.pin)), rule(`^New TPM PIN: $`, typed(next)), rule(`^Repeat the new TPM PIN: $`, typed(next))}
		text, code := d.inPane(ex, args, rules)
		d.expectRun(ex, args, text, code, 0, `^signet: the TPM PIN is changed$`)
		if code == 0 {
			b.pin = next
		}
		return
	}
	// A wrong PIN first, so that the reset has a count to reset.
	wrong := []string{"key", "change-pin", "--state", b.dir}
	text, code := d.inPane(ex, wrong, []paneRule{rule(`^Current TPM PIN: $`, typed("not-the-pin")), rule(`TPM PIN: $`, typed("not-the-pin"))})
	d.expectRun(ex, wrong, text, code, 1, `wrong PIN \([0-9]+ tries? left before lockout\)$`)
	rules := []paneRule{rule(`^TPM lockout secret \(hex, spaces allowed\): $`, typed(b.lockout))}
	text, code = d.inPane(ex, args, rules)
	d.expectRun(ex, args, text, code, 0, `^signet: the TPM's PIN counter is reset: ([0-9]+) of ([0-9]+) tries left$`)
	if m := regexp.MustCompile(`reset: ([0-9]+) of ([0-9]+) tries`).FindStringSubmatch(text); m != nil && m[1] != m[2] {
		d.t.Errorf("%s:%d: after reset-lockout %s of %s tries are left, want all", ex.file, ex.line, m[1], m[2])
	}
}

// ceremony runs `signet ceremony init` answering as the runbook's two
// people do, then checks the transcript with `signet ceremony verify`.
// With --hsm it makes the key on a fresh state dir and swtpm; without, it
// uses the key already in the state dir, as the man page says: one that
// `signet key init --hsm tpm` made on a fresh swtpm.
func (d *docBoxes) ceremony(ex docExample, args []string) {
	t := d.t
	out := t.TempDir()
	args = setFlag(args, "--out", out)
	if _, i := flagValue(args, "--hsm"); i >= 0 {
		inst := d.startSWTPM()
		args = setFlag(args, "--state", t.TempDir())
		args = setFlag(args, "--device", inst.Device)
	} else {
		args = setFlag(args, "--state", d.newTPMKey().dir)
	}
	var secrets []string
	secretRE := regexp.MustCompile(`disablement-secret:([0-9A-F]{64})`)
	// The confirmation asks for the end of the secret shown last.
	confirm := func(text string) string {
		ms := secretRE.FindAllStringSubmatch(text, -1)
		if len(ms) == 0 {
			return "none shown"
		}
		last := ms[len(ms)-1][1]
		if len(secrets) == 0 || secrets[len(secrets)-1] != last {
			secrets = append(secrets, last)
		}
		return last[len(last)-4:]
	}
	rules := []paneRule{
		rule(`^Person 1: $`, typed("Alice Example")),
		rule(`^Person 2: $`, typed("Bob Builder")),
		rule(`^Person [0-9]+: $`, typed("")),
		rule(`^Key 1: $`, typed(tka.FormatTLPub(docOld.PublicKey()))),
		rule(`^Key [0-9]+: $`, typed("")),
		rule(`^Type "begin" to go on: $`, typed("begin")),
		rule(`TPM PIN.*: $`, typed(docTPMPIN)),
		rule(`to confirm you wrote it down: $`, confirm),
		rule(`press Enter when done \(QR code[^)]*\)\s*$`, typed("")),
	}
	text, code := d.inPane(ex, args, rules)
	n := 3 // the default
	if v, i := flagValue(args, "--disablement"); i >= 0 {
		n, _ = strconv.Atoi(v)
	}
	d.expectRun(ex, args, text, code, 0,
		`^signet: ceremony step [0-9]+, transcript: signed by the box's key, written to ceremony-[0-9TZ]+\.json and ceremony-[0-9TZ]+\.md$`,
		fmt.Sprintf(`^tailscale lock init --gen-disablements 0 tlpub:[0-9a-f]{64} %s( disablement:[0-9a-f]{64}){%d}\s*$`, tka.FormatTLPub(docOld.PublicKey()), n),
		`^signet: the ceremony is done; the init line is on stdout`)
	if len(secrets) != n {
		t.Errorf("%s:%d: the ceremony confirmed %d disablement secrets, want %d", ex.file, ex.line, len(secrets), n)
	}
	m, _ := filepath.Glob(filepath.Join(out, "ceremony-*.json"))
	if len(m) != 1 {
		t.Fatalf("%s:%d: the ceremony wrote %d transcripts, want 1", ex.file, ex.line, len(m))
	}
	vout, err := exec.Command(d.bin, "ceremony", "verify", m[0]).CombinedOutput()
	if err != nil {
		t.Errorf("%s:%d: ceremony verify of its transcript: %v\n%s", ex.file, ex.line, err, vout)
	}
}

// legacyTIOCSTI reports whether this kernel lets any process type into a
// terminal it can open (dev.tty.legacy_tiocsti=1).
func legacyTIOCSTI() bool {
	b, err := os.ReadFile("/proc/sys/dev/tty/legacy_tiocsti")
	return err != nil || strings.TrimSpace(string(b)) != "0"
}

// serve runs a `signet serve` example in a pane it leads (as on the
// box's console), checks that it comes up (its socket answers `signet
// status`), and stops it with SIGTERM. /var/lib/signet is a stopped box
// with a swtpm key and the tailnet's chain; .state a fresh dir with a
// soft key; with no --state, the box the section made. /dev/tty1 is the
// pane's own terminal. On a kernel that allows TIOCSTI, an example
// without --insecure-console must be refused, saying so; it then runs
// once more with --insecure-console.
func (d *docBoxes) serve(ex docExample, args []string) {
	t := d.t
	var dir string
	state, i := flagValue(args, "--state")
	switch {
	case state == ".state":
		dir = t.TempDir()
		s := &tmuxServe{t: t, dir: dir}
		s.softKey()
	case i < 0 && d.sectionDir[ex.file+"#"+ex.section] != "":
		dir = d.sectionDir[ex.file+"#"+ex.section]
	default:
		dir = d.stoppedTPMBox()
	}
	args = setFlag(args, "--state", dir)
	sock := filepath.Join(dir, "signet.sock")
	args = setFlag(args, "--socket", sock)
	if !contains(args, "--insecure-console") && legacyTIOCSTI() {
		errText, code, _ := d.servePane(ex, args, sock)
		if code != 1 || !strings.Contains(errText, "signet: error: other processes could type into the console: ") || !strings.Contains(errText, "TIOCSTI (dev.tty.legacy_tiocsti=1)") {
			t.Errorf("%s:%d: %q on a kernel that allows TIOCSTI exited %d; want 1 and the refusal naming TIOCSTI:\n%s", ex.file, ex.line, ex.text, code, errText)
		}
		args = append(args, "--insecure-console")
		t.Logf("%s:%d: refused, as on any kernel that allows TIOCSTI; run again with --insecure-console", ex.file, ex.line)
	}
	errText, code, status := d.servePane(ex, args, sock)
	if code != 0 || !strings.Contains(status, "box key: tlpub:") {
		t.Errorf("%s:%d: %q (run as signet %s) did not come up and stop cleanly (exit %d); signet status said:\n%s\nits stderr:\n%s", ex.file, ex.line, ex.text, strings.Join(args, " "), code, status, errText)
	}
}

// stoppedTPMBox is the TPM box with the tailnet's chain imported (once),
// its daemon not running.
func (d *docBoxes) stoppedTPMBox() string {
	b := d.tpmBox()
	if !d.imported[b.dir] {
		if out, err := d.execFiles("", "--state", b.dir, "chain", "import", filepath.Join(d.work, "log.json")); err != nil {
			d.t.Fatalf("signet chain import on the TPM box: %v\n%s", err, out)
		}
		d.imported[b.dir] = true
	}
	return b.dir
}

// servePane starts `signet serve` with args as the only process of a new
// tmux pane (so its console is its own terminal; --console /dev/tty1
// names that terminal). Once the socket answers `signet status` it stops
// the daemon with SIGTERM. It returns the daemon's stderr, its exit
// status and what status printed ("" when it never came up).
func (d *docBoxes) servePane(ex docExample, args []string, sock string) (string, int, string) {
	t := d.t
	t.Helper()
	os.Remove(sock)
	s := newTmuxServe(t, d.bin)
	dir := t.TempDir()
	gate, errPath, log := filepath.Join(dir, "gate"), filepath.Join(dir, "serve.err"), filepath.Join(dir, "pane.out")
	shell := fmt.Sprintf("while [ ! -e %s ]; do sleep 0.02; done; . %s", gate, gate)
	s.session = testenv.TmuxSession(t, 150, 50, shell)
	tmuxOut := func(args ...string) string {
		out, err := exec.Command("tmux", args...).Output()
		if err != nil {
			t.Fatalf("tmux %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	tmuxOut("set-option", "-t", s.session, "remain-on-exit", "on")
	tmuxOut("pipe-pane", "-t", s.session, "cat >> "+log)
	tty := tmuxOut("display-message", "-p", "-t", s.session, "#{pane_tty}")
	args = append([]string(nil), args...)
	if _, i := flagValue(args, "--console"); i >= 0 {
		args[i] = tty
	}
	q := []string{"exec", "'" + d.bin + "'"}
	for _, a := range args {
		q = append(q, "'"+a+"'")
	}
	cmd := strings.Join(q, " ") + " 2>" + errPath + "\n"
	if err := os.WriteFile(gate+".tmp", []byte(cmd), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(gate+".tmp", gate); err != nil {
		t.Fatal(err)
	}
	// The pane's process is the daemon (exec). tmux marks the pane dead
	// when its terminal closes and reaps the process later, or (tmux 3.3a,
	// about one exit in six here) never: the daemon stays a zombie and the
	// pane has no exit status. The zombie's status is in /proc then.
	pid, _ := strconv.Atoi(tmuxOut("display-message", "-p", "-t", s.session, "#{pane_pid}"))
	dead := func() (bool, int) {
		f := strings.Split(tmuxOut("display-message", "-p", "-t", s.session, "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}"), ":")
		if len(f) != 3 || f[0] != "1" {
			return false, 0
		}
		if n, err := strconv.Atoi(f[1]); err == nil {
			return true, n
		}
		if n, err := strconv.Atoi(f[2]); err == nil {
			return true, 128 + n
		}
		return zombieStatus(pid)
	}
	typedPass := false
	status, statusErr := "", "not run"
	for deadline := time.Now().Add(40 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ok, code := dead(); ok {
			b, _ := os.ReadFile(errPath)
			return string(b), code, status
		}
		if time.Now().After(deadline) {
			// A Go stack dump of the daemon, to see where it hangs.
			if pid > 0 {
				syscall.Kill(pid, syscall.SIGQUIT)
				time.Sleep(2 * time.Second)
			}
			b, _ := os.ReadFile(errPath)
			pane, _ := os.ReadFile(log)
			t.Fatalf("%s:%d: signet %s neither came up nor exited (signet status: %s); its stderr:\n%s\nits terminal:\n%s",
				ex.file, ex.line, strings.Join(args, " "), statusErr, b, consolescreen.Strip(pane))
		}
		if contains(args, "--insecure-soft-key") && !typedPass && strings.Contains(s.screen(), "PIN to") {
			time.Sleep(50 * time.Millisecond)
			s.keys("-l", tmuxPassphrase) // the passphrase of softKey's key
			s.keys("Enter")
			typedPass = true
		}
		if _, err := os.Stat(sock); err != nil {
			continue
		}
		out, err := exec.Command(d.bin, "status", "--socket", sock).CombinedOutput()
		if err != nil {
			statusErr = fmt.Sprintf("%v: %s", err, out)
			continue
		}
		status = string(out)
		if pid > 0 {
			syscall.Kill(pid, syscall.SIGTERM)
		}
		deadline = time.Now().Add(15 * time.Second)
	}
}

// zombieStatus reads the exit status of process pid if it is a zombie
// (exited, not yet reaped): field 52 of /proc/PID/stat, as waitpid
// reports it. A signal gives 128+N, as a shell would.
func zombieStatus(pid int) (bool, int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false, 0
	}
	s := string(b)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // from field 3, the state
	if len(rest) < 50 || rest[0] != "Z" {
		return false, 0
	}
	ws, err := strconv.Atoi(rest[49])
	if err != nil {
		return false, 0
	}
	if sig := ws & 0x7f; sig != 0 {
		return true, 128 + sig
	}
	return true, ws >> 8
}

// deeplink makes a sign-device link for a new device of box s's tailnet,
// as tailscale.com/tka's Authority.NewDeeplink makes it: the HMAC keyed
// with the authority's state ID.
func (d *docBoxes) deeplink(s *tmuxServe) string {
	d.fresh++
	a := tsAuthority(d.t, s.dir)
	link, err := a.NewDeeplink(ts.NewDeeplinkParams{
		NodeKey:    tka.NodeKey{0xd1, byte(d.fresh)}.String(),
		TLPub:      tka.FormatTLPub(chaingen.NewKey(uint64(3000 + d.fresh)).PublicKey()),
		DeviceName: fmt.Sprintf("phone-%d", d.fresh),
		OSName:     "iOS",
		LoginName:  "alice@example.com",
	})
	if err != nil {
		d.t.Fatalf("tailscale.com/tka NewDeeplink: %v", err)
	}
	return link
}

// wireGuard gives the shared box's state dir a WireGuard key and writes
// an intake config with one peer, relay1, on a free UDP port; it returns
// the config's path, the box's public key, the peer's private key and
// the port.
func (d *docBoxes) wireGuard(dir string) (string, wgintake.Key, wgintake.Key, int) {
	t := d.t
	out, err := exec.Command(d.bin, "--state", dir, "wg", "keygen").CombinedOutput()
	if err != nil {
		t.Fatalf("signet wg keygen: %v\n%s", err, out)
	}
	boxPub, err := wgintake.ParseKey(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	peer, _ := wgintake.GenerateKey()
	port := freeUDPPort(t)
	conf := writeFile(t, t.TempDir(), "wg.json", fmt.Appendf(nil, `{"listen_port": %d, "listen_address": "127.0.0.1", "address": "10.77.0.1", "api_port": 80,
  "peers": [{"name": "relay1", "public_key": %q, "tunnel_ip": "10.77.0.2"}]}`, port, peer.Public()))
	return conf, boxPub, peer, port
}

// shakeHands brings up relay1's end of the tunnel in this process and
// asks the box's status through it, so that wg show has a handshake and
// traffic to show.
func (d *docBoxes) shakeHands(boxPub, peer wgintake.Key, port int) {
	t := d.t
	cfg, err := wgintake.ParseConfig(fmt.Appendf(nil, `{"listen_port": 0, "address": "10.77.0.2",
  "peers": [{"name": "box", "public_key": %q, "tunnel_ip": "10.77.0.1", "endpoint": %q}]}`, boxPub, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := wgintake.Up(peer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rel.Close)
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: rel.Net().DialContext}}
	resp, err := c.Get("http://10.77.0.1/v1/status")
	if err != nil {
		t.Fatalf("the box's status through the tunnel: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the box's status through the tunnel: %s", resp.Status)
	}
}

// freeUDPPort finds a free UDP port on loopback.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
