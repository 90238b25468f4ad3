package metrics

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestWriteText(t *testing.T) {
	r := NewRegistry()
	var n atomic.Uint64
	n.Store(42)
	r.Register("contaudit_records_total", Counter, "Records received.", func() float64 { return float64(n.Load()) })
	r.Register("contaudit_backlog", Gauge, "Kernel backlog.\nline two", func() float64 { return 1.5 })
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `# HELP contaudit_backlog Kernel backlog.\nline two
# TYPE contaudit_backlog gauge
contaudit_backlog 1.5
# HELP contaudit_records_total Records received.
# TYPE contaudit_records_total counter
contaudit_records_total 42
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	if _, err := Listen("0.0.0.0:9999"); err == nil {
		t.Fatal("listening on all interfaces was allowed")
	}
}

func TestServeUnix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.sock")
	l, err := Listen("unix:" + path)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry()
	r.Register("x_total", Counter, "x", func() float64 { return 7 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go Serve(ctx, l, r, slog.New(slog.DiscardHandler))
	if _, err := Listen("unix:" + path); err == nil {
		t.Fatal("a second listener took a live socket")
	}
	c := http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return net.Dial("unix", path)
	}}}
	resp, err := c.Get("http://metrics/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "x_total 7\n") {
		t.Fatalf("body %q", body)
	}
}
