package main

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
	"time"

	"github.com/spf13/cobra"

	"github.com/signetbox/signet/hsm"
	"github.com/signetbox/signet/signer"
	"github.com/signetbox/signet/statedir"
	"github.com/signetbox/signet/terminal/qrscreen"
	"github.com/signetbox/signet/tka"
)

// serveArgs holds the flags of "signet serve".
type serveArgs struct {
	socket        string
	group         string
	console       string
	reviewTimeout time.Duration
	insecureSoft  bool
	insecureTTY   bool // --insecure-console (serve_console.go)
	demo          bool
	noColor       bool
	qrResults     bool
	wireguard     string // WireGuard intake config file (wg.go)
	groupSet      bool   // --group was given
	gid           int    // the socket's group, -1 for none
	// issue 7: confinement (confine.go)
	allowUnconfined bool
}

// newServeCmd builds "signet serve".
func newServeCmd() *cobra.Command {
	a := &serveArgs{}
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the signing daemon: requests in, console confirmation, signatures out",
		Long: `Run the daemon. It opens the key named by key.uri in the state directory,
the chain store and the journal, takes the console terminal, and serves
the request API on a unix socket (mode 0660, group --group). Each request
is validated against the authority, journaled, shown on the console, and
signed only when the operator types the approval code shown there.

Only one daemon may use a state directory; it records where its socket
is in serve.json there, so 'signet status --state DIR' and 'signet key
show' find it (the file goes when it stops). A software key (soft:) is
refused unless --insecure-soft-key is given; the console then warns on
every request. With --demo-authority, an empty chain store gets a new
demo authority trusting the box's key, for trying signet out.

The console must be the daemon's own: it becomes the controlling
terminal of a session the daemon leads, and the kernel must refuse
TIOCSTI key injection (dev.tty.legacy_tiocsti=0). Otherwise serve
refuses to start, unless --insecure-console is given; the console then
warns on every review. Between reviews nothing typed is shown, and
Ctrl-C only says how to stop the service.`,
		Example: `  $ signet serve --state /var/lib/signet --console /dev/tty1
  $ signet serve --state .state --socket .state/signet.sock --insecure-soft-key --insecure-console --demo-authority`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.groupSet = cmd.Flags().Changed("group")
			return runServe(cmd.Context(), cmd.ErrOrStderr(), stateDirOf(cmd), a)
		},
	}
	f := cmd.Flags()
	f.StringVar(&a.socket, "socket", defaultSocket, "serve the API on this unix `SOCKET`")
	f.StringVar(&a.group, "group", "signet", "`GROUP` that may use the socket; it must exist when given (the default is skipped if missing, \"\" for none)")
	f.StringVar(&a.console, "console", "", "the console terminal `DEVICE` (default: this terminal)")
	f.DurationVar(&a.reviewTimeout, "review-timeout", signer.DefaultPolicy.ReviewTimeout, "deny a request not decided within `DURATION`")
	f.BoolVar(&a.insecureSoft, "insecure-soft-key", false, "allow a software key (development only)")
	f.BoolVar(&a.insecureTTY, "insecure-console", false, insecureConsoleHelp)
	f.BoolVar(&a.demo, "demo-authority", false, "create a demo authority if the chain store is empty")
	f.BoolVar(&a.noColor, "no-color", false, "no colours on the console")
	f.BoolVar(&a.qrResults, "qr-results", false, "after each release, show the result as a QR code on the console (Enter continues)")
	addConfineFlags(f, a) // issue 7: confinement (confine.go)
	f.StringVar(&a.wireguard, "wireguard", "", "also serve the API to the WireGuard peers in config `FILE` (docs/wireguard.md)")
	return cmd
}

func runServe(ctx context.Context, log io.Writer, dir string, a *serveArgs) error {
	ks, err := loadKeyState(dir)
	if err != nil {
		return err
	}
	if ks.URI.Scheme == "soft" && !a.insecureSoft {
		return withHint(errors.New("the key is a software key (soft:), which is for development only"),
			"provision a TPM or YubiKey key with 'signet key init', or pass --insecure-soft-key to try signet out")
	}
	if a.gid, err = socketGroup(a.group, a.groupSet); err != nil {
		return err
	}
	// issue 7: confine before opening anything; the first run re-executes
	// itself inside the Landlock domain (confine.go).
	if err := confineServe(log, ks, a); err != nil {
		return err
	}
	unlock, err := statedir.TakeLock(ks.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	// The state is checked before the console and the key are touched: a
	// box whose files disagree refuses to start without asking for a PIN.
	st, err := openServeState(ks)
	if err != nil {
		return err
	}
	defer st.close()
	device := a.console
	if device == "" {
		device = "/dev/tty"
	}
	console, err := signer.OpenConsole(device, signer.ConsoleOptions{Timeout: a.reviewTimeout, NoColor: a.noColor})
	if err != nil {
		return withHint(err, "run signet serve on a terminal, or pass --console /dev/ttyN")
	}
	defer console.Close()
	if err := guardConsole(log, console, a.insecureTTY); err != nil {
		return err
	}
	if err := console.StartIdle(stopHint()); err != nil {
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
	return serveWith(ctx, log, ks.Dir, a, key, console, st)
}

// serveWith runs the daemon with an open key, console and checked state
// until a signal.
func serveWith(ctx context.Context, log io.Writer, dir string, a *serveArgs, key hsm.Key, console *signer.Console, st *serveState) error {
	said, err := st.check.Repair(st.journal)
	for _, s := range said {
		fmt.Fprintf(log, "signet: note: %s\n", s)
	}
	if err != nil {
		return err
	}
	if err := ensureAuthority(ctx, log, st.store, st.journal, key, a.demo); err != nil {
		return err
	}
	for _, p := range st.journal.Pending() {
		fmt.Fprintf(log, "signet: note: request %s was %s before the last stop; it will not be signed without a new confirmation\n", p.RequestID, p.State)
	}
	policy := signer.DefaultPolicy
	policy.ReviewTimeout = a.reviewTimeout
	svc, err := signer.NewService(signer.Config{Store: st.store, Key: key, Prompt: console, Journal: st.journal,
		Policy: policy, Insecure: isSoft(key), Dir: dir, KeyFiles: statedir.KeyFiles(), Checked: st.check})
	if err == nil && a.qrResults {
		svc.SetShowResult(qrscreen.Via(console.WithTerminal))
	}
	if err != nil {
		return err
	}
	defer svc.Close()
	// serve.json tells the read verbs (status --state, key show) where
	// this daemon listens; the socket may be anywhere (--socket).
	removeRecord, err := statedir.WriteServeRecord(dir, statedir.ServeRecordDoc{Socket: a.socket, PID: os.Getpid(), Boot: svc.Status().Boot})
	if err != nil {
		return err
	}
	defer removeRecord()
	l, err := signer.ListenUnix(a.socket, a.gid)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// WireGuard intake (wg.go): optional, only with --wireguard.
	if a.wireguard != "" {
		stopWG, err := startWireGuard(ctx, log, dir, a.wireguard, svc)
		if err != nil {
			return err
		}
		defer stopWG()
	}
	if !hsm.ErasingEnabled() {
		fmt.Fprintln(log, "signet: warning: this binary was built without GOEXPERIMENT=runtimesecret, so the copies of the PIN and key that go-tpm makes are not erased after use; build it with 'make build'")
	}
	// Unlocking a soft key and making a demo authority run memory-hard
	// KDFs (tens of MiB); hand that memory back before idling.
	debug.FreeOSMemory()
	console.Notify("signet serving " + a.socket + " with " + tka.FormatTLPub(key.PublicKey()))
	return svc.ServeUnix(ctx, l)
}

func isSoft(key hsm.Key) bool {
	att, err := key.Attest(context.Background())
	return err == nil && att.Backend == "soft"
}

// socketGroup returns the gid of the socket's group name, or -1 for
// none: for "", and for the default group when it does not exist. A group
// given with --group must exist: a typo would leave the socket to root
// alone, silently.
func socketGroup(name string, given bool) (int, error) {
	if name == "" {
		return -1, nil
	}
	g, err := user.LookupGroup(name)
	var unknown user.UnknownGroupError
	if errors.As(err, &unknown) && !given {
		return -1, nil
	}
	if err != nil {
		return -1, withHint(fmt.Errorf("--group %q: %w", name, err), "create the group (groupadd "+name+"), or pass --group \"\" to keep the socket to the daemon's user and root")
	}
	id, err := strconv.Atoi(g.Gid)
	if err != nil {
		return -1, fmt.Errorf("--group %q has the non-numeric gid %q", name, g.Gid)
	}
	return id, nil
}

// ensureAuthority checks the chain store holds an authority; with demo,
// an empty store gets one (signer.EnsureAuthority).
func ensureAuthority(ctx context.Context, log io.Writer, store *signer.ChainStore, journal *signer.Journal, key hsm.Key, demo bool) error {
	made, err := signer.EnsureAuthority(ctx, store, journal, key, demo)
	if errors.Is(err, signer.ErrNoAuthority) {
		return withHint(err, "import one with 'signet chain import' (from 'tailscale lock log --json'), or pass --demo-authority to try signet out")
	}
	if made {
		fmt.Fprintf(log, "signet: created a DEMO authority in %s (box key + a throw-away key); not for a real tailnet\n", filepath.Dir(store.Path()))
	}
	return err
}
