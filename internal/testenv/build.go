package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Module is the import path of signet's module.
const Module = "github.com/signetbox/signet"

// builds holds the binaries Build made in this test process.
var builds struct {
	mu      sync.Mutex
	wrapped bool   // TestMain runs the tests through M
	dir     string // where the binaries are, removed by M
	byPkg   map[string]*build
}

// build is one package's binary, made once.
type build struct {
	once sync.Once
	bin  string
	out  []byte
	err  error
}

// M wraps a TestMain's m so that Run removes the binaries [Build] made
// once the tests are done. A package whose tests call Build runs them
// through it: os.Exit(testenv.M(m).Run()), or testscript.Main(testenv.M(m), …).
func M(m interface{ Run() int }) interface{ Run() int } {
	builds.mu.Lock()
	builds.wrapped = true
	builds.mu.Unlock()
	return mainM{m}
}

type mainM struct{ m interface{ Run() int } }

func (w mainM) Run() int {
	code := w.m.Run()
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
	return code
}

// Build builds the command pkg of this module ("cmd/signet") once per
// test process, as make builds it (cmd/signet with
// GOEXPERIMENT=runtimesecret, which erases what libraries copy of a PIN
// and a key; the others without), and returns the binary's path. Tests that call it share the binary and must not change
// it; it is removed when the tests end (see [M]).
func Build(t testing.TB, pkg string) string {
	t.Helper()
	b, err := entry(pkg)
	if err != nil {
		t.Fatal(err)
	}
	b.once.Do(func() {
		b.bin = filepath.Join(builds.dir, path.Base(pkg))
		cmd := exec.Command("go", "build", "-o", b.bin, Module+"/"+pkg)
		if pkg == "cmd/signet" {
			cmd.Env = append(os.Environ(), "GOEXPERIMENT=runtimesecret")
		}
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, b.err, b.out)
	}
	return b.bin
}

// BuildSignet builds cmd/signet once per test process (see [Build]).
func BuildSignet(t testing.TB) string {
	t.Helper()
	return Build(t, "cmd/signet")
}

// entry returns pkg's build, making the binaries' directory first.
func entry(pkg string) (*build, error) {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if !builds.wrapped {
		return nil, errNoM
	}
	if builds.dir == "" {
		removeStaleBuilds(os.TempDir())
		dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", buildDirPrefix, os.Getpid()))
		if err != nil {
			return nil, err
		}
		builds.dir = dir
	}
	if builds.byPkg == nil {
		builds.byPkg = map[string]*build{}
	}
	b := builds.byPkg[pkg]
	if b == nil {
		b = &build{}
		builds.byPkg[pkg] = b
	}
	return b, nil
}

// buildDirPrefix starts the name of each test process's binaries
// directory; the process's pid follows it.
const buildDirPrefix = "signet-testbin-"

// removeStaleBuilds removes the binaries directories in tmp whose test
// process is gone: a test binary killed by a timeout or kill -9 never
// reaches M's clean-up, and each leftover holds tens of megabytes.
func removeStaleBuilds(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, buildDirPrefix+"*-*"))
	for _, dir := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), buildDirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		os.RemoveAll(dir)
	}
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// errNoM says how to make Build's binaries go away after the tests.
var errNoM = errors.New("testenv.Build needs the package's TestMain to run the tests through testenv.M, which removes the binaries afterwards")
