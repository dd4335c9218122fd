package e2e

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"unsafe"

	tstka "tailscale.com/tka"
	"tailscale.com/tstest/integration/testcontrol"
	"tailscale.com/tstest/tkatest"
)

// acceptAUMSubmissions adds the handling of /machine/tka/sync/send (AUM
// submission: what tailscaled sends for LocalClient's
// TailnetLockSubmitRecoveryAUM) to the stock test control, which panics on
// it. Control stores an AUM only if it extends its chain and enough keys
// trusted there signed it (tka.Authority.Inform), then wakes every node
// so each syncs the new head.
//
// NOTE(e2e): UNSAFE ON PURPOSE. testcontrol serves noise requests from
// its unexported mux and keeps its chain in unexported fields; nothing in
// front of it can see a request inside the noise tunnel. This reaches
// those fields by name in the pinned tailscale.com v1.102.5 and fails the
// test loudly if they are missing or of another type.
func acceptAUMSubmissions(t *testing.T, control *testcontrol.Server) {
	t.Helper()
	// Make control build its mux (it does so on the first request).
	control.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/generate_204", nil))
	mux := *controlField[*http.ServeMux](t, control, "mux")
	mu := controlField[sync.Mutex](t, control, "mu")
	storage := controlField[tstka.CompactableChonk](t, control, "tkaStorage")
	mux.HandleFunc("/machine/tka/sync/send", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		err := func() error {
			authority, err := tstka.Open(*storage)
			if err != nil {
				http.Error(w, "control has no tailnet lock state: "+err.Error(), http.StatusBadRequest)
				return err
			}
			return tkatest.HandleTKASyncSend(w, r, authority, *storage)
		}()
		mu.Unlock()
		if err != nil {
			t.Logf("control refused an AUM submission: %v", err)
			return
		}
		wakeAll(control)
	})
}

// controlField returns a pointer to the unexported field name of control,
// checking that it has type T.
func controlField[T any](t *testing.T, control *testcontrol.Server, name string) *T {
	t.Helper()
	f := reflect.ValueOf(control).Elem().FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeFor[T]() {
		t.Fatalf("testcontrol.Server has no field %s of type %v: the pinned tailscale.com changed; update acceptAUMSubmissions", name, reflect.TypeFor[T]())
	}
	return (*T)(unsafe.Pointer(f.UnsafeAddr()))
}
