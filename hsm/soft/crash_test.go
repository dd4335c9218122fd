package soft

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/signetbox/signet/hsm"
)

// crashChildEnv names the key file the crash child rewrites; its presence
// makes TestChangeCrashChild act as the child.
const crashChildEnv = "SIGNET_SOFT_CRASH_CHILD"

var crashPasses = [2][]byte{[]byte("correct horse"), []byte("battery staple")}

// TestChangeCrashChild is the process TestChangePassphraseKill kills: it
// changes the passphrase back and forth until it is killed.
func TestChangeCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		return // only the child of TestChangePassphraseKill does anything
	}
	fmt.Println("ready")
	for i := 0; ; {
		err := ChangePassphrase(context.Background(), path, crashPasses[i], crashPasses[1-i])
		if err != nil && !errors.Is(err, hsm.ErrWrongPIN) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		i = 1 - i // changed, or the file already had the other passphrase
	}
}

// TestChangePassphraseKill kills (SIGKILL) a process that keeps changing
// the passphrase at random moments; each time the key file must open with
// exactly one of the two passphrases and keep its public key.
func TestChangePassphraseKill(t *testing.T) {
	path, pub := create(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	var withOld, withNew, leftTemps int
	for range 20 {
		killChild(t, path, time.Duration(rng.IntN(40_000))*time.Microsecond)
		opened := 0
		for i, p := range crashPasses {
			k, err := Open(context.Background(), path, hsm.FixedPIN(p))
			if errors.Is(err, hsm.ErrWrongPIN) {
				continue
			}
			if err != nil {
				t.Fatalf("after kill -9: %v", err)
			}
			if !k.PublicKey().Equal(pub) {
				t.Fatalf("after kill -9 the public key is %x, want %x", k.PublicKey(), pub)
			}
			k.Close()
			opened++
			if i == 0 {
				withOld++
			} else {
				withNew++
			}
		}
		if opened != 1 {
			t.Fatalf("after kill -9 the key opens with %d of the two passphrases, want exactly 1", opened)
		}
		leftTemps += len(dirNames(t, path)) - 1
	}
	t.Logf("20 kills: opened %d times with the first passphrase, %d with the second; %d temporary files left behind", withOld, withNew, leftTemps)
}

// killChild starts TestChangeCrashChild on path, waits until it runs plus
// delay, and kills it with SIGKILL.
func killChild(t *testing.T, path string, delay time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChangeCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("crash child did not start: %q, %v", line, err)
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("crash child ended on its own (%v) instead of being killed", cmd.ProcessState)
	}
}
