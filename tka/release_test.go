package tka

// The release matrix: the conformance suite against released
// tailscale.com versions other than the one this module pins. Each
// release is built into an oracle (interop/oracle) with its own go.mod
// (interop/<version>/go.mod), so it links the dependency versions it
// shipped with, and answers from its own process. The corpus (the
// generators, vectors and tables of this package) is the one the pinned
// release is checked against. docs/interop.md has the results.
//
// SIGNET_RELEASES picks the releases: unset or "fast" for the quick set
// ("make test"), "all" for every one ("make interop"), "none", or a
// comma-separated list of versions. SIGNET_INTEROP_REPORT, if set, is a
// file the matrix is written to as a Markdown table.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ts "tailscale.com/tka"
)

// release is a tailscale.com release of the matrix.
type release struct {
	version   string
	published string // the module's publication date (go list -m -json)
	// tags leave out oracle features the release lacks.
	tags string
	// toolchain is GOTOOLCHAIN for a release that needs a newer Go.
	toolchain string
	// fast releases run in "make test"; the others only in "make interop".
	fast bool
}

// releases: one or more a year since Tailnet Lock's beta (August 2023),
// and the newest that builds here. v1.104.7 is left out: it declares go
// 1.27.4, a toolchain the module proxy does not serve.
var releases = []release{
	{version: "v1.46.1", published: "2023-07-26", tags: "tka_no_wrapped,tka_no_revoke", fast: true},
	{version: "v1.60.1", published: "2024-02-29", tags: "tka_no_wrapped"},
	{version: "v1.70.0", published: "2024-07-17"},
	{version: "v1.80.3", published: "2025-03-03"},
	{version: "v1.86.2", published: "2025-07-29"},
	{version: "v1.90.9", published: "2025-11-25"},
	{version: "v1.96.5", published: "2026-03-27", fast: true},
	{version: "v1.102.5", published: "2026-09-24"},
	{version: "v1.104.6", published: "2026-11-10", toolchain: "go1.27.3"},
}

// selectedReleases applies SIGNET_RELEASES.
func selectedReleases(t *testing.T) []release {
	sel := os.Getenv("SIGNET_RELEASES")
	var out []release
	for _, r := range releases {
		switch {
		case sel == "" || sel == "fast":
			if r.fast {
				out = append(out, r)
			}
		case sel == "all":
			out = append(out, r)
		case sel == "none":
		case slices.Contains(strings.Split(sel, ","), r.version):
			out = append(out, r)
		}
	}
	if sel != "" && sel != "fast" && sel != "all" && sel != "none" && len(out) == 0 {
		t.Fatalf("SIGNET_RELEASES=%q names no release of the matrix", sel)
	}
	return out
}

// TestReleaseDirs: every release has its go.mod, and every go.mod under
// interop/ is a release of the matrix.
func TestReleaseDirs(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "interop", "v*", "go.mod"))
	var found []string
	for _, d := range dirs {
		found = append(found, filepath.Base(filepath.Dir(d)))
	}
	var want []string
	for _, r := range releases {
		want = append(want, r.version)
	}
	slices.Sort(found)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Fatalf("interop/*/go.mod are %v, the matrix lists %v", found, want)
	}
}

// suiteParts are the parts of the conformance suite the matrix runs.
var suiteParts = []struct {
	name    string
	feature string // the oracle feature it needs, if any
	run     func(t *testing.T, th theirTKA) int
}{
	{"round trips", "", func(t *testing.T, th theirTKA) int {
		return testRoundTripFrom(t, th, 1000) + testEncodingMatches(t, th, 1000)
	}},
	{"vectors", "", testSerializationVectors},
	{"malformed AUMs", "", testMalformedAUMs},
	{"malformed node-key signatures", "", testMalformedNKS},
	{"random trees", "", func(t *testing.T, th theirTKA) int { return testChainVerdicts(t, th, 60) }},
	{"node-key verdicts", "", func(t *testing.T, th theirTKA) int {
		return testMalformedNodeKeyAuthorization(t, th) + testSignNodeKeyAuthorized(t, th)
	}},
	{"deeplinks", "", func(t *testing.T, th theirTKA) int {
		return testDeeplinks(t, th) + testMalformedDeeplinks(t, th)
	}},
	{"disablement KDF", "", testDisablementKDF},
	{"signet's output", "", testOurOutputAccepted},
	{"known differences", "", testReleaseDiffs},
	{"wrapped pre-auth keys", "wrapped", testWrappedAuthKey},
	{"recovery AUM", "revoke", testRecovery},
}

// TestReleaseMatrix runs the conformance suite against each selected
// release.
func TestReleaseMatrix(t *testing.T) {
	rels := selectedReleases(t)
	if len(rels) == 0 {
		t.Logf("SIGNET_RELEASES=none: no release checked")
		return
	}
	var rows []string
	for _, rel := range rels {
		t.Run(rel.version, func(t *testing.T) {
			start := time.Now()
			o := startOracle(t, rel)
			built := time.Since(start)
			cells := []string{rel.version, rel.published, o.goVersion}
			for _, p := range suiteParts {
				if p.feature != "" && !o.has(p.feature) {
					cells = append(cells, "not in this release")
					continue
				}
				var n int
				before := o.diffCounts()
				ok := t.Run(p.name, func(t *testing.T) { n = p.run(t, o) })
				if ok {
					cell := fmt.Sprintf("agree (%d)", n)
					if note := o.diffNote(before); note != "" {
						cell += "; " + note
					}
					cells = append(cells, cell)
				} else {
					cells = append(cells, "**DIFFER**")
				}
			}
			rows = append(rows, "| "+strings.Join(cells, " | ")+" |")
			t.Logf("%s: oracle ready in %v, suite in %v", rel.version, built.Round(time.Millisecond), time.Since(start.Add(built)).Round(time.Millisecond))
		})
	}
	if path := os.Getenv("SIGNET_INTEROP_REPORT"); path != "" {
		writeMatrix(t, path, rows)
	}
}

func writeMatrix(t *testing.T, path string, rows []string) {
	var b bytes.Buffer
	b.WriteString("<!-- Generated by \"make interop\" (tka.TestReleaseMatrix); do not edit. -->\n\n")
	fmt.Fprintf(&b, "Run %s on %s/%s. Each cell counts the cases where signet and the release agree.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH)
	head := []string{"release", "published", "built with"}
	for _, p := range suiteParts {
		head = append(head, p.name)
	}
	b.WriteString("| " + strings.Join(head, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat(" --- |", len(head)) + "\n")
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// oracleProc is a release's oracle process.
type oracleProc struct {
	version   string
	goVersion string
	features  []string
	mu        sync.Mutex
	diffs     map[string]int // known differences met, by id
	in        *bufio.Writer
	out       *bufio.Scanner
}

// oracleReq and oracleResp are the oracle's protocol (interop/oracle).
type oracleReq struct {
	Op       string
	B        []byte                `json:",omitempty"`
	List     [][]byte              `json:",omitempty"`
	ID       int                   `json:",omitempty"`
	NodeKey  []byte                `json:",omitempty"`
	Text     string                `json:",omitempty"`
	Params   *ts.NewDeeplinkParams `json:",omitempty"`
	KeyID    []byte                `json:",omitempty"`
	ForkFrom []byte                `json:",omitempty"`
}

type oracleResp struct {
	Err       string
	Version   string
	GoVersion string
	Features  []string
	Enc       []byte
	Hash      []byte
	SigHash   []byte
	Invalid   string
	AuthzID   []byte
	AuthzErr  string
	Wrap      []byte
	WrapOK    bool
	ID        int
	Head      []byte
	ID1, ID2  uint64
	Keys      []struct {
		Kind   uint8
		Votes  uint
		Public []byte
		Meta   map[string]string
	}
	Out     []byte
	OK      bool
	Text    string
	Link    *ts.DeeplinkValidationResult
	Private []byte
}

// buildOracle builds the oracle of rel into the user's cache (go build
// finds it up to date on later runs) and returns its path.
func buildOracle(t *testing.T, rel release) string {
	t.Helper()
	modfile, err := filepath.Abs(filepath.Join("..", "interop", rel.version, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "signet-test", "oracle")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "oracle-"+rel.version)
	lock, err := os.OpenFile(bin+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	args := []string{"build", "-modfile=" + modfile, "-o", bin}
	if rel.tags != "" {
		args = append(args, "-tags", rel.tags)
	}
	cmd := exec.Command("go", append(args, "./interop/oracle")...)
	cmd.Dir = ".."
	cmd.Env = os.Environ()
	if rel.toolchain != "" {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN="+rel.toolchain)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the oracle of tailscale.com %s: %v\n%s", rel.version, err, out)
	}
	return bin
}

// startOracle builds and starts rel's oracle and checks it links rel.
func startOracle(t *testing.T, rel release) *oracleProc {
	t.Helper()
	bin := buildOracle(t, rel)
	cmd := exec.Command(bin)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	o := &oracleProc{in: bufio.NewWriter(stdin), out: bufio.NewScanner(stdout)}
	o.out.Buffer(make([]byte, 1<<20), 256<<20)
	info := o.call(oracleReq{Op: "info"})
	if info.Version != rel.version {
		t.Fatalf("the oracle built for %s links tailscale.com %q", rel.version, info.Version)
	}
	o.version, o.goVersion, o.features = info.Version, info.GoVersion, info.Features
	return o
}

// call sends one request and reads its answer. A broken oracle panics:
// no check can go on without it.
func (o *oracleProc) call(req oracleReq) *oracleResp {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, err := json.Marshal(req)
	if err != nil {
		panic(err)
	}
	o.in.Write(append(b, '\n'))
	if err := o.in.Flush(); err != nil {
		panic(fmt.Sprintf("oracle %s: writing: %v", o.version, err))
	}
	if !o.out.Scan() {
		panic(fmt.Sprintf("oracle %s: no answer to %s: %v", o.version, req.Op, o.out.Err()))
	}
	var resp oracleResp
	if err := json.Unmarshal(o.out.Bytes(), &resp); err != nil {
		panic(fmt.Sprintf("oracle %s: bad answer %q: %v", o.version, o.out.Bytes(), err))
	}
	if strings.HasPrefix(resp.Err, "oracle: ") {
		panic(fmt.Sprintf("oracle %s: %s", o.version, resp.Err))
	}
	return &resp
}

func respErr(r *oracleResp) error {
	if r.Err == "" {
		return nil
	}
	return errors.New(r.Err)
}

func (o *oracleProc) name() string { return o.version }

// diffCounts copies the counts of known differences met so far.
func (o *oracleProc) diffCounts() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return maps.Clone(o.diffs)
}

// diffNote lists the known differences met since before.
func (o *oracleProc) diffNote(before map[string]int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var parts []string
	for _, d := range releaseDiffs {
		if n := o.diffs[d.id] - before[d.id]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d× %s", n, d.id))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "known difference: " + strings.Join(parts, ", ")
}

// count records a known difference met by the suite.
func (o *oracleProc) count(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.diffs == nil {
		o.diffs = map[string]int{}
	}
	o.diffs[id]++
}

func (o *oracleProc) has(feature string) bool { return slices.Contains(o.features, feature) }

func (o *oracleProc) kdf(secret []byte) []byte {
	return o.call(oracleReq{Op: "kdf", B: secret}).Out
}

func (o *oracleProc) decodeAUM(b []byte) theirAUM {
	r := o.call(oracleReq{Op: "aum", B: b})
	if r.Err != "" {
		return theirAUM{err: respErr(r)}
	}
	out := theirAUM{enc: r.Enc}
	copy(out.hash[:], r.Hash)
	copy(out.sigHash[:], r.SigHash)
	if r.Invalid != "" {
		out.invalid = errors.New(r.Invalid)
	}
	return out
}

func (o *oracleProc) decodeNKS(b []byte) theirNKS {
	r := o.call(oracleReq{Op: "nks", B: b})
	if r.Err != "" {
		return theirNKS{err: respErr(r)}
	}
	out := theirNKS{enc: r.Enc, authzID: r.AuthzID, wrap: r.Wrap, wrapOK: r.WrapOK}
	copy(out.sigHash[:], r.SigHash)
	if r.AuthzErr != "" {
		out.authzErr = errors.New(r.AuthzErr)
	}
	return out
}

func (o *oracleProc) wrapped(text string, nk NodeKey) (theirWrapped, error) {
	r := o.call(oracleReq{Op: "wrapped", Text: text, NodeKey: nk[:]})
	return theirWrapped{authKey: r.Text, credential: r.Enc, private: r.Private, signature: r.Out}, respErr(r)
}

func (o *oracleProc) bootstrap(genesis *AUM) (theirAuthority, error) {
	r := o.call(oracleReq{Op: "bootstrap", B: genesis.Serialize()})
	if r.Err != "" {
		return nil, respErr(r)
	}
	return &oracleAuthority{o: o, id: r.ID}, nil
}

// oracleAuthority is an authority held by an oracle.
type oracleAuthority struct {
	o  *oracleProc
	id int
}

func (a *oracleAuthority) call(req oracleReq) *oracleResp {
	req.ID = a.id
	return a.o.call(req)
}

func (a *oracleAuthority) inform(updates []*AUM) error {
	list := make([][]byte, len(updates))
	for i, u := range updates {
		list[i] = u.Serialize()
	}
	return respErr(a.call(oracleReq{Op: "inform", List: list}))
}

func (a *oracleAuthority) state() *oracleResp { return a.call(oracleReq{Op: "state"}) }

func (a *oracleAuthority) head() AUMHash {
	var h AUMHash
	copy(h[:], a.state().Head)
	return h
}

func (a *oracleAuthority) stateIDs() (uint64, uint64) {
	r := a.state()
	return r.ID1, r.ID2
}

func (a *oracleAuthority) keys() []Key {
	var out []Key
	for _, k := range a.state().Keys {
		out = append(out, Key{Kind: KeyKind(k.Kind), Votes: k.Votes, Public: k.Public, Meta: k.Meta})
	}
	return out
}

func (a *oracleAuthority) reopen() (theirAuthority, error) {
	r := a.call(oracleReq{Op: "reopen"})
	if r.Err != "" {
		return nil, respErr(r)
	}
	return &oracleAuthority{o: a.o, id: r.ID}, nil
}

func (a *oracleAuthority) nodeKeyAuthorized(nk NodeKey, sig []byte) error {
	return respErr(a.call(oracleReq{Op: "nodekey", NodeKey: nk[:], B: sig}))
}

func (a *oracleAuthority) keyTrusted(id KeyID) bool {
	return a.call(oracleReq{Op: "keytrusted", KeyID: id}).OK
}

func (a *oracleAuthority) validateDeeplink(link string) ts.DeeplinkValidationResult {
	r := a.call(oracleReq{Op: "validatelink", Text: link})
	if r.Link == nil {
		return ts.DeeplinkValidationResult{Error: "oracle sent no result"}
	}
	return *r.Link
}

func (a *oracleAuthority) newDeeplink(d DeviceLink) (string, error) {
	r := a.call(oracleReq{Op: "newlink", Params: &ts.NewDeeplinkParams{NodeKey: d.NodeKey, TLPub: d.TLPub,
		DeviceName: d.DeviceName, OSName: d.OSName, LoginName: d.LoginName}})
	return r.Text, respErr(r)
}

func (a *oracleAuthority) revoke(remove []KeyID, ours KeyID, forkFrom AUMHash) ([]byte, error) {
	list := make([][]byte, len(remove))
	for i, id := range remove {
		list[i] = id
	}
	r := a.call(oracleReq{Op: "revoke", List: list, KeyID: ours, ForkFrom: forkFrom[:]})
	return r.Enc, respErr(r)
}
