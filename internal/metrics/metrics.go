// Package metrics owns contaudit's Prometheus exposition: a small registry
// of counters and gauges whose values are read at scrape time from the
// owners' own atomics (so the hot path never touches this package), the
// text format, and the listener on a Unix socket or loopback address.
package metrics

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Kind is the Prometheus metric type.
type Kind string

const (
	Counter Kind = "counter"
	Gauge   Kind = "gauge"
)

type metric struct {
	name, help string
	kind       Kind
	value      func() float64
}

// Registry holds metrics by name.
type Registry struct {
	mu      sync.Mutex
	metrics map[string]metric
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{metrics: map[string]metric{}} }

// Loader is what the sync/atomic integer types have in common.
type Loader interface{ Load() uint64 }

// Load adapts an atomic counter to Register's value function, so a scrape
// reads it without a lock.
func Load(v Loader) func() float64 { return func() float64 { return float64(v.Load()) } }

// Register adds a metric read by value at scrape time. Names must be
// Prometheus-valid and unique; a clash is a programming error and panics.
func (r *Registry) Register(name string, kind Kind, help string, value func() float64) {
	if !validName(name) {
		panic(fmt.Sprintf("metrics: invalid name %q", name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.metrics[name]; dup {
		panic(fmt.Sprintf("metrics: %q registered twice", name))
	}
	r.metrics[name] = metric{name: name, help: help, kind: kind, value: value}
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// WriteText writes every metric in the Prometheus text format 0.0.4,
// sorted by name so scrapes diff cleanly.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	ms := make([]metric, 0, len(r.metrics))
	for _, m := range r.metrics {
		ms = append(ms, m)
	}
	r.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool { return ms[i].name < ms[j].name })
	bw := bufio.NewWriter(w)
	for _, m := range ms {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", m.name, escapeHelp(m.help), m.name, m.kind,
			m.name, strconv.FormatFloat(m.value(), 'g', -1, 64))
	}
	return bw.Flush()
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

// Handler serves the registry at any path.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.WriteText(w)
	})
}

// Listen opens addr: "unix:/path" for a Unix socket (mode 0660; a stale
// socket file is removed only after a dial shows nobody listens), or a
// host:port that must be loopback, because metrics reveal activity.
func Listen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("metrics socket %s: another process is listening", path)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("metrics socket %s: remove stale: %w", path, err)
		}
		l, err := net.Listen("unix", path)
		if err != nil {
			return nil, fmt.Errorf("metrics socket: %w", err)
		}
		if err := os.Chmod(path, 0o660); err != nil {
			l.Close()
			return nil, fmt.Errorf("metrics socket %s: %w", path, err)
		}
		return l, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("metrics address %q: only loopback addresses or unix: sockets are allowed", addr)
	}
	return net.Listen("tcp", addr)
}

// Serve serves r on l until ctx ends.
func Serve(ctx context.Context, l net.Listener, r *Registry, log *slog.Logger) {
	srv := &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("metrics server stopped", "err", err)
	}
}
