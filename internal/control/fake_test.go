package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/contaudit/contaudit/internal/contid"
	"golang.org/x/sys/unix"
)

// fakeBackend identifies processes from /proc, as the process table would,
// and answers operations with scripted errors, remembering every call.
type fakeBackend struct {
	mu sync.Mutex
	// skew is added to a PID's start time, to play a PID reused since
	// the connection was accepted.
	skew map[int32]uint64
	// gone PIDs are unknown to the table.
	gone map[int32]bool
	err  error // returned by Set, SetCapcontid and Get
	id   contid.ID

	sets    []fakeCall
	caps    []fakeCall
	gets    []fakeCall
	refused []contid.OpRecord
	list    []contid.Container
}

type fakeCall struct {
	w      contid.Writer
	target contid.ProcID
	id     contid.ID
	on     bool
	op     SetOp
}

func newFake() *fakeBackend {
	return &fakeBackend{skew: map[int32]uint64{}, gone: map[int32]bool{}}
}

func (f *fakeBackend) Identify(pid int32) (Process, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, err := readProcStat("/proc", pid)
	if err != nil || f.gone[pid] {
		return Process{}, &contid.Error{Errno: unix.ESRCH, Reason: fmt.Sprintf("process %d does not exist", pid)}
	}
	p := Process{ID: contid.ProcID{PID: pid, StartTime: st.start + f.skew[pid]}, AUID: unsetID, Ses: unsetID, Comm: "fake"}
	if pst, err := readProcStat("/proc", st.ppid); err == nil {
		p.Parent = contid.ProcID{PID: st.ppid, StartTime: pst.start}
	}
	return p, nil
}

// fakeAllocated is the value the fake backend chooses when asked to.
const fakeAllocated contid.ID = 0xabcdef0000000001

func (f *fakeBackend) Set(w contid.Writer, target contid.ProcID, op SetOp) (contid.ID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets = append(f.sets, fakeCall{w: w, target: target, id: op.Contid, op: op})
	if op.Allocate {
		return fakeAllocated, f.err
	}
	return op.Contid, f.err
}

func (f *fakeBackend) SetCapcontid(w contid.Writer, target contid.ProcID, on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.caps = append(f.caps, fakeCall{w: w, target: target, on: on})
	return f.err
}

func (f *fakeBackend) Get(r contid.Writer, target contid.ProcID) (contid.ID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, fakeCall{w: r, target: target})
	return f.id, f.err
}

func (f *fakeBackend) List() []contid.Container {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list
}

func (f *fakeBackend) Tree() []contid.Node {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []contid.Node
	for _, c := range f.list {
		out = append(out, contid.Node{Container: c})
	}
	return out
}

func (f *fakeBackend) Refused(rec contid.OpRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused = append(f.refused, rec)
}

func (f *fakeBackend) calls() (sets, caps, gets []fakeCall, refused []contid.OpRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeCall(nil), f.sets...), append([]fakeCall(nil), f.caps...), append([]fakeCall(nil), f.gets...), append([]contid.OpRecord(nil), f.refused...)
}

// testServer is a server on a socket in a directory anyone may enter, so
// that children running as another user can connect.
type testServer struct {
	*Server
	path   string
	client *Client
}

func startServer(t *testing.T, b Backend, policy Policy) *testServer {
	t.Helper()
	return startServerWith(t, b, policy, nil)
}

// startServerWith lets configure change the server before it serves; real
// is NewServer's IsOwnExecutable.
func startServerWith(t *testing.T, b Backend, policy Policy, configure func(s *Server, real func(int32) bool)) *testServer {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "control.sock")
	ln, err := Listen(path, 0o666, -1)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(b, policy, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// The test binary is the daemon's executable: in-process requests
	// would otherwise be taken for the CLI acting for go test's parent.
	ownExe := s.IsOwnExecutable
	s.IsOwnExecutable = func(int32) bool { return false }
	if configure != nil {
		configure(s, ownExe)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	c := NewClient(path)
	t.Cleanup(func() {
		c.Close()
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testServer{Server: s, path: path, client: c}
}

// raw sends a request as a client that does not use Client, for forged
// bodies.
func (ts *testServer) raw(t *testing.T, method, target, body string) (int, errorBody) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", ts.path)
	}}}
	defer hc.CloseIdleConnections()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://contaudit"+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb errorBody
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		if err := json.Unmarshal(b, &eb); err != nil {
			t.Fatalf("%s %s: error body %q: %v", method, target, b, err)
		}
	}
	return resp.StatusCode, eb
}

// rawGet returns the body of a successful GET.
func (ts *testServer) rawGet(t *testing.T, target string) []byte {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", ts.path)
	}}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("http://contaudit" + target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", target, resp.StatusCode, b, err)
	}
	return b
}
