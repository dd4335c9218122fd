package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/internal/cli"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal/qrscreen"
	"github.com/signetbox/signet/tka"
)

// Run runs the daemon on the state directory of ks until ctx is done or
// a signal (SIGINT, SIGTERM) comes. It refuses a software key unless
// o.InsecureSoftKey, confines the process (in the first run, Confine
// executes the program again and does not return on success), takes the
// state directory's lock and checks its files before the console and the
// key are touched.
func Run(ctx context.Context, ks *statedir.KeyState, o Options) error {
	if ks.URI.Scheme == "soft" && !o.InsecureSoftKey {
		return cli.WithHint(errors.New("the key is a software key (soft:), which is for development only"),
			"provision a TPM or YubiKey key with 'signet key init', or pass --insecure-soft-key to try signet out")
	}
	gid, err := SocketGroup(o.Group, o.GroupGiven)
	if err != nil {
		return err
	}
	// Confine before opening anything.
	if err := Confine(o.Log, ks, o); err != nil {
		return err
	}
	return run(ctx, ks, o, gid)
}

// run is Run once confined.
func run(ctx context.Context, ks *statedir.KeyState, o Options, gid int) error {
	unlock, err := statedir.TakeLock(ks.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	// The state is checked before the console and the key are touched: a
	// box whose files disagree refuses to start without asking for a PIN.
	st, err := OpenState(ks)
	if err != nil {
		return err
	}
	defer st.Close()
	console, err := signer.OpenConsole(o.console(), signer.ConsoleOptions{Timeout: o.ReviewTimeout, NoColor: o.NoColor})
	if err != nil {
		return cli.WithHint(err, "run signet serve on a terminal, or pass --console /dev/ttyN")
	}
	defer console.Close()
	if err := GuardConsole(o.Log, console, o.InsecureConsole); err != nil {
		return err
	}
	if err := console.StartIdle(StopHint()); err != nil {
		return err
	}
	key, err := hsm.Open(ctx, ks.URI.String(), console)
	if err != nil {
		return fmt.Errorf("opening the key %s: %w", ks.URI, err)
	}
	defer key.Close()
	if !key.PublicKey().Equal(ks.Pub) {
		return fmt.Errorf("the key device holds %s but key.pub says %s; was the device swapped?", tka.FormatTLPub(key.PublicKey()), tka.FormatTLPub(ks.Pub))
	}
	return serve(ctx, ks.Dir, o, gid, key, console, st)
}

// serve runs the daemon with an open key, console and checked state
// until a signal.
func serve(ctx context.Context, dir string, o Options, gid int, key hsm.Key, console *signer.Console, st *State) error {
	said, err := st.Check.Repair(st.Journal)
	for _, s := range said {
		fmt.Fprintf(o.Log, "signet: note: %s\n", s)
	}
	if err != nil {
		return err
	}
	if err := EnsureAuthority(ctx, o.Log, st.Store, st.Journal, key, o.Demo); err != nil {
		return err
	}
	for _, p := range st.Journal.Pending() {
		fmt.Fprintf(o.Log, "signet: note: request %s was %s before the last stop; it will not be signed without a new confirmation\n", p.RequestID, p.State)
	}
	policy := signer.DefaultPolicy
	policy.ReviewTimeout = o.ReviewTimeout
	svc, err := signer.NewService(signer.Config{Store: st.Store, Key: key, Prompt: console, Journal: st.Journal,
		Policy: policy, Insecure: isSoft(key), Dir: dir, KeyFiles: statedir.KeyFiles(), Checked: st.Check})
	if err != nil {
		return err
	}
	defer svc.Close()
	if o.QRResults {
		svc.SetShowResult(qrscreen.Via(console.WithTerminal))
	}
	// serve.json tells the read verbs (status --state, key show) where
	// this daemon listens; the socket may be anywhere (--socket).
	removeRecord, err := statedir.WriteServeRecord(dir, statedir.ServeRecordDoc{Socket: o.Socket, PID: os.Getpid(), Boot: svc.Status().Boot})
	if err != nil {
		return err
	}
	defer removeRecord()
	l, err := signer.ListenUnix(o.Socket, gid)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.WireGuard != "" {
		stopWG, err := StartWireGuard(ctx, o.Log, dir, o.WireGuard, svc)
		if err != nil {
			l.Close()
			return err
		}
		defer stopWG()
	}
	if !hsm.ErasingEnabled() {
		fmt.Fprintln(o.Log, "signet: warning: this binary was built without GOEXPERIMENT=runtimesecret, so the copies of the PIN and key that go-tpm makes are not erased after use; build it with 'make build'")
	}
	// Unlocking a soft key and making a demo authority run memory-hard
	// KDFs (tens of MiB); hand that memory back before idling.
	debug.FreeOSMemory()
	console.Notify("signet serving " + o.Socket + " with " + tka.FormatTLPub(key.PublicKey()))
	return svc.ServeUnix(ctx, l)
}

// isSoft reports whether key is a software key.
func isSoft(key hsm.Key) bool {
	att, err := key.Attest(context.Background())
	return err == nil && att.Backend == "soft"
}

// SocketGroup returns the gid of the socket's group name, or -1 for
// none: for "", and for the default group when it does not exist. A group
// given (--group) must exist: a typo would leave the socket to root
// alone, silently.
func SocketGroup(name string, given bool) (int, error) {
	if name == "" {
		return -1, nil
	}
	g, err := user.LookupGroup(name)
	var unknown user.UnknownGroupError
	if errors.As(err, &unknown) && !given {
		return -1, nil
	}
	if err != nil {
		return -1, cli.WithHint(fmt.Errorf("--group %q: %w", name, err), "create the group (groupadd "+name+"), or pass --group \"\" to keep the socket to the daemon's user and root")
	}
	id, err := strconv.Atoi(g.Gid)
	if err != nil {
		return -1, fmt.Errorf("--group %q has the non-numeric gid %q", name, g.Gid)
	}
	return id, nil
}

// EnsureAuthority checks the chain store holds an authority; with demo,
// an empty store gets one (signer.EnsureAuthority), and log says so.
func EnsureAuthority(ctx context.Context, log io.Writer, store *signer.ChainStore, journal *signer.Journal, key hsm.Key, demo bool) error {
	made, err := signer.EnsureAuthority(ctx, store, journal, key, demo)
	if errors.Is(err, signer.ErrNoAuthority) {
		return cli.WithHint(err, "import one with 'signet chain import' (from 'tailscale lock log --json'), or pass --demo-authority to try signet out")
	}
	if made {
		fmt.Fprintf(log, "signet: created a DEMO authority in %s (box key + a throw-away key); not for a real tailnet\n", filepath.Dir(store.Path()))
	}
	return err
}
