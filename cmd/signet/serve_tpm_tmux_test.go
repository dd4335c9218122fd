package main

// The daemon in tmux with a key sealed to a software TPM (swtpm): the key
// asks "PIN to sign with the TPM key" on the console once for every
// approved request, and answerPINs types it, as the operator would.

import (
	"bytes"
	"crypto/ed25519"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/signetbox/signet/internal/testenv"
	"github.com/signetbox/signet/internal/testrig"
)

// tmuxTPMPIN is the PIN of the test's TPM keys.
const tmuxTPMPIN = "tmux-tpm-pin-2468"

// tpmPINPrompt is what the console shows before an approved request is
// signed with the TPM key.
var tpmPINPrompt = []byte("PIN to sign with the TPM key")

// startServeTPM starts the daemon on a demo authority with a key sealed
// to a fresh swtpm.
func startServeTPM(t testing.TB) *tmuxServe {
	t.Helper()
	needTmux(t)
	s := newTmuxServe(t, testenv.BuildSignet(t))
	s.tpmKey()
	s.launch(true)
	return s
}

// tpmKey starts a swtpm for this daemon (stopped at the test's end),
// provisions a key on it and writes key.uri, key.pub and attestation.json
// (testrig.TPMKey).
func (s *tmuxServe) tpmKey() ed25519.PublicKey {
	s.t.Helper()
	k := testrig.TPMKey(s.t, s.dir, tmuxTPMPIN)
	if !k.Att.Hardware || k.Att.Backend != "tpm" {
		s.t.Fatalf("the swtpm key's attestation: %+v", k.Att)
	}
	s.pin = tmuxTPMPIN
	return k.Pub
}

// answerPINs pipes the pane's output to a file and types a PIN each time
// the stream shows the key's PIN prompt (s.pinPrompt, the TPM's unless
// set) once more: counting prompts in the output, not looking at the
// screen, answers each exactly once. The PIN typed is the next of
// s.pinQueue, or s.pin when the queue is empty. The whole stream is kept
// in s.paneLog for tests that check what the console said.
func (s *tmuxServe) answerPINs() {
	t := s.t
	t.Helper()
	marker := s.pinPrompt
	if marker == nil {
		marker = tpmPINPrompt
	}
	logPath := filepath.Join(t.TempDir(), "pane.out")
	s.paneLog = logPath
	if out, err := exec.Command("tmux", "pipe-pane", "-t", s.session, "cat >> "+logPath).CombinedOutput(); err != nil {
		t.Fatalf("tmux pipe-pane: %v %s", err, out)
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		var f *os.File
		defer func() {
			if f != nil {
				f.Close()
			}
		}()
		var tail []byte
		chunk := make([]byte, 64<<10)
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if f == nil {
				var err error
				if f, err = os.Open(logPath); err != nil {
					continue
				}
			}
			for {
				n, err := f.Read(chunk)
				if n > 0 {
					buf := append(tail, chunk[:n]...)
					for range bytes.Count(buf, marker) {
						if !s.typePIN() {
							return
						}
					}
					tail = append([]byte(nil), buf[max(0, len(buf)-len(marker)+1):]...)
				}
				if err == io.EOF || n == 0 {
					break
				}
				if err != nil {
					t.Errorf("reading the pane's output: %v", err)
					return
				}
			}
		}
	}()
	t.Cleanup(func() { close(done); <-finished })
}

// typePIN types the next PIN and Enter; it runs on answerPINs'
// goroutine, so it reports errors without stopping the test from there.
func (s *tmuxServe) typePIN() bool {
	s.pinMu.Lock()
	pin, delay := s.pin, s.pinDelay
	if len(s.pinQueue) > 0 {
		pin, s.pinQueue = s.pinQueue[0], s.pinQueue[1:]
	}
	s.pinMu.Unlock()
	// Count the prompt before answering it: the daemon may act on the
	// last keystroke (and the client return) before send-keys does.
	s.pins.Add(1)
	time.Sleep(delay)
	for _, args := range [][]string{{"send-keys", "-t", s.session, "-l", pin}, {"send-keys", "-t", s.session, "Enter"}} {
		if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
			s.t.Errorf("typing the PIN: %v %s", err, out)
			return false
		}
	}
	return true
}

// queuePINs makes the next PIN prompts get these PINs, in order.
func (s *tmuxServe) queuePINs(pins ...string) {
	s.pinMu.Lock()
	defer s.pinMu.Unlock()
	s.pinQueue = append(s.pinQueue, pins...)
}
