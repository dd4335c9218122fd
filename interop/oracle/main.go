// Command oracle answers questions about Tailnet Lock wire data with the
// tailscale.com/tka of one release: the "theirs" side of signet's release
// matrix (tka's TestReleaseMatrix, docs/interop.md).
//
// It is built once per release with that release's own go.mod, which
// pins the dependency versions the release shipped with:
//
//	go build -modfile=interop/v1.46.1/go.mod -o oracle ./interop/oracle
//
// so it must import nothing but tailscale.com's tka, types/key and
// types/tkatype and the standard library (never signet's packages: their
// requirements would raise the release's own). Features a release lacks
// are left out with build tags (see features_*.go).
//
// It reads one JSON request per line on standard input and writes one
// JSON response per line on standard output, until EOF. Byte fields are
// base64, as encoding/json writes []byte.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"go4.org/mem"
	ts "tailscale.com/tka"
	"tailscale.com/types/key"
	"tailscale.com/types/tkatype"
)

// request is one question. Op names it; the other fields are its inputs.
type request struct {
	Op       string
	B        []byte   // an AUM, a node-key signature, a secret
	List     [][]byte // AUMs to inform, or key IDs to revoke
	ID       int      // an authority made by "bootstrap" or "reopen"
	NodeKey  []byte   // 32 raw bytes
	Text     string   // a deeplink or a wrapped pre-auth key
	Params   ts.NewDeeplinkParams
	KeyID    []byte
	ForkFrom []byte
}

// response is one answer; Err is a refusal of the input by tailscale.com.
type response struct {
	Err string `json:",omitempty"`

	// info
	Version   string   `json:",omitempty"`
	GoVersion string   `json:",omitempty"`
	Features  []string `json:",omitempty"`

	// aum, nks
	Enc      []byte `json:",omitempty"`
	Hash     []byte `json:",omitempty"`
	SigHash  []byte `json:",omitempty"`
	Invalid  string `json:",omitempty"` // StaticValidate's error
	AuthzID  []byte `json:",omitempty"`
	AuthzErr string `json:",omitempty"`
	Wrap     []byte `json:",omitempty"`
	WrapOK   bool   `json:",omitempty"`

	// bootstrap, reopen, state
	ID   int      `json:",omitempty"`
	Head []byte   `json:",omitempty"`
	ID1  uint64   `json:",omitempty"`
	ID2  uint64   `json:",omitempty"`
	Keys []keyOut `json:",omitempty"`

	// kdf, deeplinks, wrapped keys, revocation
	Out     []byte                       `json:",omitempty"`
	OK      bool                         `json:",omitempty"`
	Text    string                       `json:",omitempty"`
	Link    *ts.DeeplinkValidationResult `json:",omitempty"`
	Private []byte                       `json:",omitempty"`
}

type keyOut struct {
	Kind   uint8
	Votes  uint
	Public []byte
	Meta   map[string]string
}

// authority is an authority and the storage it lives in.
type authority struct {
	a  *ts.Authority
	st *ts.Mem
}

type oracle struct {
	auths []*authority
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 256<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	var o oracle
	for in.Scan() {
		var req request
		var resp *response
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			resp = &response{Err: "oracle: bad request: " + err.Error()}
		} else {
			resp = o.answer(&req)
		}
		if err := enc.Encode(resp); err != nil {
			fmt.Fprintln(os.Stderr, "oracle:", err)
			os.Exit(1)
		}
		out.Flush()
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (o *oracle) answer(req *request) *response {
	switch req.Op {
	case "info":
		return info()
	case "aum":
		return decodeAUM(req.B)
	case "nks":
		return decodeNKS(req.B)
	case "kdf":
		return &response{Out: ts.DisablementKDF(req.B)}
	case "bootstrap":
		return o.bootstrap(req.B)
	case "wrapped":
		return wrapped(req.Text, req.NodeKey)
	}
	if req.ID < 1 || req.ID > len(o.auths) {
		return &response{Err: fmt.Sprintf("oracle: no authority %d for %q", req.ID, req.Op)}
	}
	a := o.auths[req.ID-1]
	switch req.Op {
	case "inform":
		return a.inform(req.List)
	case "state":
		return a.state()
	case "reopen":
		return o.reopen(a)
	case "nodekey":
		nk := key.NodePublicFromRaw32(mem.B(req.NodeKey))
		return &response{Err: errString(a.a.NodeKeyAuthorized(nk, tkatype.MarshaledSignature(req.B)))}
	case "keytrusted":
		return &response{OK: a.a.KeyTrusted(tkatype.KeyID(req.KeyID))}
	case "validatelink":
		r := a.a.ValidateDeeplink(req.Text)
		return &response{Link: &r}
	case "newlink":
		link, err := a.a.NewDeeplink(req.Params)
		return &response{Text: link, Err: errString(err)}
	case "revoke":
		return a.revoke(req)
	}
	return &response{Err: fmt.Sprintf("oracle: unknown op %q", req.Op)}
}

// info names the tailscale.com this binary links, as its build recorded.
func info() *response {
	r := &response{GoVersion: runtime.Version(), Features: features}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "tailscale.com" {
				r.Version = d.Version
				if d.Replace != nil {
					r.Version += " => " + d.Replace.Path + " " + d.Replace.Version
				}
			}
		}
	}
	return r
}

func decodeAUM(b []byte) *response {
	var u ts.AUM
	if err := u.Unserialize(b); err != nil {
		return &response{Err: err.Error()}
	}
	h, sh := u.Hash(), u.SigHash()
	return &response{Enc: u.Serialize(), Hash: h[:], SigHash: sh[:], Invalid: errString(u.StaticValidate())}
}

func decodeNKS(b []byte) *response {
	var s ts.NodeKeySignature
	if err := s.Unserialize(b); err != nil {
		return &response{Err: err.Error()}
	}
	sh := s.SigHash()
	r := &response{Enc: s.Serialize(), SigHash: sh[:]}
	id, err := s.UnverifiedAuthorizingKeyID()
	r.AuthzID, r.AuthzErr = id, errString(err)
	r.Wrap, r.WrapOK = s.UnverifiedWrappingPublic()
	return r
}

func (o *oracle) add(a *ts.Authority, st *ts.Mem) *response {
	o.auths = append(o.auths, &authority{a: a, st: st})
	return &response{ID: len(o.auths)}
}

func (o *oracle) bootstrap(genesis []byte) *response {
	var g ts.AUM
	if err := g.Unserialize(genesis); err != nil {
		return &response{Err: err.Error()}
	}
	st := &ts.Mem{}
	a, err := ts.Bootstrap(st, g)
	if err != nil {
		return &response{Err: err.Error()}
	}
	return o.add(a, st)
}

func (o *oracle) reopen(a *authority) *response {
	re, err := ts.Open(a.st)
	if err != nil {
		return &response{Err: err.Error()}
	}
	return o.add(re, a.st)
}

func (a *authority) inform(list [][]byte) *response {
	updates := make([]ts.AUM, len(list))
	for i, b := range list {
		if err := updates[i].Unserialize(b); err != nil {
			return &response{Err: fmt.Sprintf("oracle: update %d does not decode: %v", i, err)}
		}
	}
	return &response{Err: errString(a.a.Inform(a.st, updates))}
}

func (a *authority) state() *response {
	h := a.a.Head()
	r := &response{Head: h[:]}
	r.ID1, r.ID2 = a.a.StateIDs()
	for _, k := range a.a.Keys() {
		r.Keys = append(r.Keys, keyOut{Kind: uint8(k.Kind), Votes: k.Votes, Public: k.Public, Meta: k.Meta})
	}
	return r
}
