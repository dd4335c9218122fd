package httpserve

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	h := http.NotFoundHandler()
	srv := New(h, Config{HeaderTimeout: time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 1 << 10, Quiet: true})
	if srv.ReadHeaderTimeout != time.Second || srv.IdleTimeout != time.Minute || srv.MaxHeaderBytes != 1<<10 || srv.ErrorLog == nil || srv.ErrorLog.Writer() != io.Discard {
		t.Fatalf("server %+v", srv)
	}
	if loud := New(h, Config{}); loud.ErrorLog != nil {
		t.Fatal("without Quiet net/http logs as usual")
	}
}

// Serve answers until ctx ends and then returns nil; a listener that
// fails stops it with the error.
func TestServe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "up") }), Config{HeaderTimeout: time.Second})
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, srv, l) }()
	resp, err := http.Get("http://" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "up" {
		t.Fatalf("answer %q", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("after ctx ended: %v", err)
	}
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	l2.Close()
	if err := Serve(context.Background(), New(http.NotFoundHandler(), Config{}), l2); err == nil {
		t.Fatal("a closed listener must be an error")
	}
}
