package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"unsafe"

	"tailscale.com/tailcfg"
	tstka "tailscale.com/tka"
	"tailscale.com/tstest/integration/testcontrol"
	"tailscale.com/tstest/tkatest"
	"tailscale.com/types/key"
)

// lockControl adds to the stock testcontrol.Server what a real control
// server does for Tailnet Lock and testcontrol v1.102.5 does not:
//
//   - /machine/tka/sync/send (AUM submission, what tailscaled sends for
//     LocalClient's TailnetLockSubmitRecoveryAUM): control stores an AUM
//     only if it extends its chain and enough keys trusted there signed it
//     (tka.Authority.Inform), then wakes every node so each syncs the new
//     head. Stock testcontrol panics on the request.
//   - RegisterRequest.NodeKeySignature (a node joining with a wrapped
//     pre-auth key signs its own node key with the credential): control
//     checks it against its authority and keeps it as the node's
//     signature. Stock testcontrol ignores it.
//   - /machine/tka/sign with a signature that does not verify: refused
//     with 400, as control refuses it. Stock testcontrol panics.
//
// NOTE(e2e): UNSAFE ON PURPOSE. These requests arrive inside the noise
// tunnel, which testcontrol terminates with a private key it never
// exposes, and it serves them from an unexported mux. The pinned
// v1.102.5 offers no handler registration: its hooks (HoldMapRequest,
// AltMapStream, ModifyFirstMapResponse, MaybeRateLimitRegister) see map
// polls or nothing of the request, and a wrapper server in front of it
// sees only the /ts2021 upgrade. A wrapper that terminated noise with a
// key of its own would have to re-dial testcontrol for every node with a
// substitute machine key (testcontrol checks the noise peer against the
// node's machine key on every map poll) and proxy HTTP/2 both ways: more
// code, and more of tailscale.com's internals, than the three fields
// reached here. So this reaches testcontrol's mux, mutex and Tailnet
// Lock storage by name and type, in one place, and fails loudly if the
// pinned version lays them out differently.
type lockControl struct {
	*testcontrol.Server
	mu      *sync.Mutex
	storage *tstka.CompactableChonk
}

// extendControl installs the handlers above on control.
func extendControl(t *testing.T, control *testcontrol.Server) *lockControl {
	t.Helper()
	// Make control build its mux (it does so on the first request).
	control.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/generate_204", nil))
	mux := *controlField[*http.ServeMux](t, control, "mux")
	lc := &lockControl{Server: control,
		mu:      controlField[sync.Mutex](t, control, "mu"),
		storage: controlField[tstka.CompactableChonk](t, control, "tkaStorage")}
	// The stock handlers, for the requests passed on to them.
	register, _ := mux.Handler(httptest.NewRequest("POST", "/machine/register", nil))
	sign, _ := mux.Handler(httptest.NewRequest("GET", "/machine/tka/sign", nil))
	mux.HandleFunc("/machine/tka/sync/send", func(w http.ResponseWriter, r *http.Request) {
		lc.serveSyncSend(t, w, r)
	})
	mux.HandleFunc("/machine/register", func(w http.ResponseWriter, r *http.Request) {
		lc.serveRegister(t, register, w, r)
	})
	mux.HandleFunc("/machine/tka/sign", func(w http.ResponseWriter, r *http.Request) {
		lc.serveSign(t, sign, w, r)
	})
	return lc
}

func (lc *lockControl) serveSyncSend(t *testing.T, w http.ResponseWriter, r *http.Request) {
	lc.mu.Lock()
	err := func() error {
		authority, err := tstka.Open(*lc.storage)
		if err != nil {
			http.Error(w, "control has no tailnet lock state: "+err.Error(), http.StatusBadRequest)
			return err
		}
		return tkatest.HandleTKASyncSend(w, r, authority, *lc.storage)
	}()
	lc.mu.Unlock()
	if err != nil {
		t.Logf("control refused an AUM submission: %v", err)
		return
	}
	wakeAll(lc.Server)
}

// serveRegister passes the request to testcontrol, then keeps a node-key
// signature the request carries if it verifies. The response is written
// when this handler returns, so the node polls its map only after its
// signature is in place: no peer ever sees it unsigned.
func (lc *lockControl) serveRegister(t *testing.T, stock http.Handler, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	stock.ServeHTTP(w, r)
	var req tailcfg.RegisterRequest
	if json.Unmarshal(body, &req) != nil || len(req.NodeKeySignature) == 0 {
		return
	}
	if err := lc.verify(req.NodeKeySignature, req.NodeKey); err != nil {
		t.Logf("control refused the node-key signature of a registering node: %v", err)
		return
	}
	n := lc.Node(req.NodeKey)
	if n == nil {
		return
	}
	n.KeySignature = req.NodeKeySignature
	lc.UpdateNode(n)
}

// serveSign refuses a signature that does not verify, then lets
// testcontrol store it.
func (lc *lockControl) serveSign(t *testing.T, stock http.Handler, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req tailcfg.TKASubmitSignatureRequest
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	var sig tstka.NodeKeySignature
	var nk key.NodePublic
	if err := sig.Unserialize(req.Signature); err != nil {
		http.Error(w, "malformed signature: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := nk.UnmarshalBinary(sig.Pubkey); err != nil {
		http.Error(w, "the signature names no node key: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := lc.verify(req.Signature, nk); err != nil {
		t.Logf("control refused a node-key signature: %v", err)
		http.Error(w, "signature does not verify: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	stock.ServeHTTP(w, r)
}

// verify checks sig for nk against control's authority.
func (lc *lockControl) verify(sig []byte, nk key.NodePublic) error {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if *lc.storage == nil {
		return errors.New("tailnet lock is not enabled")
	}
	authority, err := tstka.Open(*lc.storage)
	if err != nil {
		return err
	}
	return authority.NodeKeyAuthorized(nk, sig)
}

// controlField returns a pointer to the unexported field name of control,
// checking that it has type T.
func controlField[T any](t *testing.T, control *testcontrol.Server, name string) *T {
	t.Helper()
	f := reflect.ValueOf(control).Elem().FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeFor[T]() {
		t.Fatalf("testcontrol.Server has no field %s of type %v: the pinned tailscale.com changed; update extendControl", name, reflect.TypeFor[T]())
	}
	return (*T)(unsafe.Pointer(f.UnsafeAddr()))
}
