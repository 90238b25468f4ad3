package control

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/contaudit/contaudit/internal/contid"
	"golang.org/x/sys/unix"
)

func selfStart(t *testing.T) uint64 {
	t.Helper()
	st, err := readProcStat("/proc", int32(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	return st.start
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: CAP_AUDIT_CONTROL, and children run as another user")
	}
}

func TestSetIdentifiesCallerFromKernel(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	// The target is this process's parent: what matters here is who the
	// writer is; the fake backend decides nothing.
	target := int32(os.Getppid())
	res, err := ts.client.Set(context.Background(), target, 4515122123205246976)
	if err != nil {
		t.Fatal(err)
	}
	self := contid.ProcID{PID: int32(os.Getpid()), StartTime: selfStart(t)}
	if res.Writer != self || !res.Via.IsZero() || res.Target.PID != target || res.Contid != 4515122123205246976 {
		t.Errorf("result %+v, want writer %v and target %d", res, self, target)
	}
	sets, _, _, refused := f.calls()
	if len(sets) != 1 || len(refused) != 0 {
		t.Fatalf("sets %+v, refused %+v", sets, refused)
	}
	w := sets[0].w
	if w.Proc != self || !w.CanSetContid || w.UID != 0 || w.AUID != unsetID {
		t.Errorf("writer %+v: want this process, root, holding CAP_AUDIT_CONTROL", w)
	}
}

// The contid travels as a JSON string, so that u64 values above 2^53 keep
// every digit; a JSON number is accepted as well.
func TestSetContidEncodings(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	ppid := os.Getppid()
	for _, body := range []string{
		`{"pid":` + itoa(ppid) + `,"contid":"18446744073709551614"}`,
		`{"pid":` + itoa(ppid) + `,"contid":18446744073709551614}`,
		`{"contid":"-1","pid":` + itoa(ppid) + `}`,
		`{"pid":` + itoa(ppid) + `,"contid":"unset"}`,
	} {
		if status, eb := ts.raw(t, "POST", "/v0/contid/set", body); status != http.StatusOK {
			t.Errorf("%s: %d %+v", body, status, eb)
		}
	}
	sets, _, _, _ := f.calls()
	want := []contid.ID{18446744073709551614, 18446744073709551614, contid.Unset, contid.Unset}
	if len(sets) != len(want) {
		t.Fatalf("%d sets, want %d", len(sets), len(want))
	}
	for i, s := range sets {
		if s.id != want[i] {
			t.Errorf("set %d: contid %v, want %v", i, s.id, want[i])
		}
	}
}

func itoa(n int) string { return strings.TrimSpace(string(must(json.Marshal(n)))) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Every errno the registry returns reaches the client with its status and
// sentence, and errors.Is matches the errno.
func TestErrorMapping(t *testing.T) {
	requireRoot(t)
	cases := []struct {
		errno  unix.Errno
		status int
	}{
		{unix.ENOPROTOOPT, 503},
		{unix.ESRCH, 404},
		{unix.EINVAL, 400},
		{unix.EPERM, 403},
		{unix.EBUSY, 409},
		{unix.EXDEV, 403},
		{unix.EEXIST, 409},
		{unix.ENOTUNIQ, 409},
		{unix.EMLINK, 507},
		{unix.ENOSPC, 507},
	}
	f := newFake()
	ts := startServer(t, f, Policy{})
	ctx := context.Background()
	ppid := int32(os.Getppid())
	for _, c := range cases {
		name := unix.ErrnoName(c.errno)
		f.mu.Lock()
		f.err = &contid.Error{Errno: c.errno, Reason: "because " + name}
		f.mu.Unlock()
		_, errSet := ts.client.Set(ctx, ppid, 7)
		_, errCap := ts.client.SetCapcontid(ctx, ppid, true)
		_, errGet := ts.client.Get(ctx, ppid)
		for op, err := range map[string]error{"set": errSet, "capcontid": errCap, "get": errGet} {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("%s %s: %v, want *Error", name, op, err)
				continue
			}
			if ce.Errno != name || ce.Status != c.status || ce.Message != "because "+name || !errors.Is(err, c.errno) {
				t.Errorf("%s %s: %+v, want status %d", name, op, ce, c.status)
			}
			if got := err.Error(); got != name+": because "+name {
				t.Errorf("%s %s: Error() = %q", name, op, got)
			}
		}
	}
	// A failure that is not the registry's is the daemon's: no detail.
	f.mu.Lock()
	f.err = errors.New("disk on fire")
	f.mu.Unlock()
	_, err := ts.client.Set(ctx, ppid, 7)
	var ce *Error
	if !errors.As(err, &ce) || ce.Errno != "EIO" || ce.Status != 500 || strings.Contains(ce.Message, "fire") {
		t.Errorf("internal failure: %v", err)
	}
}

// Malformed requests get 400 EINVAL, reach no backend operation and are
// counted.
func TestForgedRequests(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	ppid := itoa(os.Getppid())
	cases := []struct{ method, target, body string }{
		{"POST", "/v0/contid/set", `not json`},
		{"POST", "/v0/contid/set", ``},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"5","writer":1}`},
		{"POST", "/v0/contid/set", `{"pid":0,"contid":"5"}`},
		{"POST", "/v0/contid/set", `{"pid":-3,"contid":"5"}`},
		{"POST", "/v0/contid/set", `{"pid":2147483648,"contid":"5"}`},
		{"POST", "/v0/contid/set", `{"contid":"5"}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"abc"}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"+5"}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":-5}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":-1}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":1.5}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"18446744073709551616"}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":null}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"5"} {}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"5","contid2":"` + strings.Repeat("x", 8000) + `"}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"Auto"}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"auto "}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"auto","container":"web"}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"auto","container":{"image":"x"}}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"auto","container":{"name":5}}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"auto","container":{"name":"` + strings.Repeat("x", contid.MaxLabelLen+1) + `"}}`},
		{"POST", "/v0/contid/set", `{"pid":` + ppid + `,"contid":"5","container":{"id":"` + strings.Repeat("x", contid.MaxLabelLen+1) + `"}}`},
		{"POST", "/v0/contid/capcontid", `{"pid":` + ppid + `}`},
		{"POST", "/v0/contid/capcontid", `{"pid":` + ppid + `,"on":"yes"}`},
		{"POST", "/v0/contid/capcontid", `{"pid":0,"on":true}`},
		{"GET", "/v0/contid/get", ``},
		{"GET", "/v0/contid/get?pid=abc", ``},
		{"GET", "/v0/contid/get?pid=0", ``},
		{"GET", "/v0/contid/get?pid=1&pid=2", ``},
		{"GET", "/v0/contid/get?pid=1&x=2", ``},
		{"GET", "/v0/contid/list?all=1", ``},
		{"GET", "/v0/contid/tree?all=1", ``},
	}
	for i, c := range cases {
		status, eb := ts.raw(t, c.method, c.target, c.body)
		if status != http.StatusBadRequest || eb.Error != "EINVAL" || eb.Message == "" {
			t.Errorf("%s %s %.60s: %d %+v, want 400 EINVAL", c.method, c.target, c.body, status, eb)
		}
		if got := ts.Forged(); got != uint64(i+1) {
			t.Errorf("%s %s %.60s: Forged() = %d, want %d", c.method, c.target, c.body, got, i+1)
		}
	}
	// Malformed set and capcontid attempts reach the backend only to be
	// audited: refused records with the caller's identity, no target.
	sets, caps, gets, refused := f.calls()
	if len(sets)+len(caps)+len(gets) != 0 {
		t.Errorf("forged requests reached the backend: %v %v %v", sets, caps, gets)
	}
	wantRefused := 0
	for _, c := range cases {
		if c.method == "POST" && (strings.HasPrefix(c.target, "/v0/contid/set") || strings.HasPrefix(c.target, "/v0/contid/capcontid")) {
			wantRefused++
		}
	}
	if len(refused) != wantRefused {
		t.Errorf("%d forged attempts audited, want %d", len(refused), wantRefused)
	}
	for _, r := range refused {
		if r.Success() || !r.Target.IsZero() || r.Writer.Proc.PID != int32(os.Getpid()) {
			t.Errorf("forged attempt audited as %s", r.String())
		}
	}
	// Not forged, but not served: unknown routes and wrong methods.
	for _, c := range []struct {
		method, target string
		status         int
	}{
		{"GET", "/v0/contid/set", 405},
		{"POST", "/v0/contid/list", 405},
		{"GET", "/v1/contid/list", 404},
		{"GET", "/", 404},
	} {
		if status, eb := ts.raw(t, c.method, c.target, ""); status != c.status || eb.Error == "" {
			t.Errorf("%s %s: %d %+v, want %d", c.method, c.target, status, eb, c.status)
		}
	}
}

// A caller whose PID the process table now gives another start time has
// exited and its PID was reused: it is refused, and the attempt recorded.
func TestPIDReuseRefused(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	ctx := context.Background()
	ppid := int32(os.Getppid())
	// First request: the connection (and its pidfd) is established.
	if _, err := ts.client.Get(ctx, ppid); err != nil {
		t.Fatal(err)
	}
	self := int32(os.Getpid())
	f.mu.Lock()
	f.skew[self] = 1
	f.mu.Unlock()
	_, err := ts.client.Set(ctx, ppid, 9)
	var ce *Error
	if !errors.As(err, &ce) || ce.Errno != "ESRCH" || ce.Status != 404 || !strings.Contains(ce.Message, "PID now names another process") {
		t.Fatalf("set after PID reuse: %v", err)
	}
	if _, err := ts.client.Get(ctx, ppid); !errors.Is(err, unix.ESRCH) {
		t.Errorf("get after PID reuse: %v", err)
	}
	sets, _, gets, refused := f.calls()
	if len(sets) != 0 || len(gets) != 1 {
		t.Errorf("backend acted for a reused PID: sets %v gets %v", sets, gets)
	}
	if len(refused) != 1 {
		t.Fatalf("refused %+v, want one record", refused)
	}
	r := refused[0]
	if r.Op != contid.OpSet || r.Contid != 9 || r.Target.PID != ppid || r.Writer.Proc != (contid.ProcID{PID: self, StartTime: selfStart(t)}) || !errors.Is(r.Err, unix.ESRCH) {
		t.Errorf("record %+v", r)
	}
}

// A target the process table does not know is ESRCH, and the attempt is
// recorded with the writer.
func TestTargetMissing(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	ctx := context.Background()
	ppid := int32(os.Getppid())
	f.mu.Lock()
	f.gone[ppid] = true
	f.mu.Unlock()
	_, errSet := ts.client.Set(ctx, ppid, 9)
	_, errCap := ts.client.SetCapcontid(ctx, ppid, true)
	_, errGet := ts.client.Get(ctx, ppid)
	want := "ESRCH: target " + itoa(int(ppid)) + " does not exist"
	for _, err := range []error{errSet, errCap, errGet} {
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
	_, _, _, refused := f.calls()
	if len(refused) != 2 || refused[0].Op != contid.OpSet || refused[1].Op != contid.OpCapcontid || refused[1].Capcontid != true {
		t.Fatalf("refused %+v", refused)
	}
	for _, r := range refused {
		if r.Writer.Proc.PID != int32(os.Getpid()) || !r.Writer.CanSetContid || r.Target != (contid.ProcID{PID: ppid}) {
			t.Errorf("record %+v", r)
		}
	}
}

// A set may leave the value to the daemon ("auto") and name the
// container; the answer says which value was set.
func TestSetAllocateAndLabels(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	ctx := context.Background()
	ppid := int32(os.Getppid())
	web := contid.Labels{ID: "abc123", Name: "web"}
	res, err := ts.client.SetWith(ctx, SetRequest{PID: ppid, Allocate: true, Container: web})
	if err != nil {
		t.Fatal(err)
	}
	if res.Contid != fakeAllocated || !res.Allocated || res.Container != web || res.Target.PID != ppid {
		t.Errorf("result %+v", res)
	}
	res, err = ts.client.SetWith(ctx, SetRequest{PID: ppid, Contid: 7, Container: contid.Labels{Name: "db"}})
	if err != nil || res.Contid != 7 || res.Allocated || res.Container.Name != "db" {
		t.Errorf("result %+v %v", res, err)
	}
	// The wire form, as curl would send it; labels of the maximum
	// length, every byte escaped, fit the body limit.
	long := strings.Repeat(`\u0001`, contid.MaxLabelLen)
	for _, body := range []string{
		`{"pid":` + itoa(int(ppid)) + `,"contid":"auto"}`,
		`{"pid":` + itoa(int(ppid)) + `,"contid":"auto","container":null}`,
		`{"pid":` + itoa(int(ppid)) + `,"contid":"auto","container":{}}`,
		`{"pid":` + itoa(int(ppid)) + `,"contid":"auto","container":{"id":"` + long + `","name":"` + long + `"}}`,
	} {
		if status, eb := ts.raw(t, "POST", "/v0/contid/set", body); status != http.StatusOK {
			t.Errorf("%.80s: %d %+v", body, status, eb)
		}
	}
	sets, _, _, _ := f.calls()
	if len(sets) != 6 {
		t.Fatalf("%d sets", len(sets))
	}
	if op := sets[0].op; !op.Allocate || op.Contid != contid.Unset || op.Labels != web {
		t.Errorf("set 0: %+v", op)
	}
	if op := sets[1].op; op.Allocate || op.Contid != 7 || op.Labels != (contid.Labels{Name: "db"}) {
		t.Errorf("set 1: %+v", op)
	}
	for i, s := range sets[2:5] {
		if !s.op.Allocate || !s.op.Labels.IsZero() {
			t.Errorf("set %d: %+v", i+2, s.op)
		}
	}
	if l := sets[5].op.Labels; len(l.ID) != contid.MaxLabelLen || len(l.Name) != contid.MaxLabelLen {
		t.Errorf("long labels: %d and %d bytes", len(l.ID), len(l.Name))
	}

	// A set refused before the backend records the labels, and the unset
	// value for one that left the choice to the daemon.
	f.mu.Lock()
	f.gone[ppid] = true
	f.mu.Unlock()
	if _, err := ts.client.SetWith(ctx, SetRequest{PID: ppid, Allocate: true, Container: web}); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("set on a missing target: %v", err)
	}
	_, _, _, refused := f.calls()
	if len(refused) != 1 || refused[0].Contid != contid.Unset || refused[0].Labels != web {
		t.Fatalf("refused %+v", refused)
	}
	if got := refused[0].String(); !strings.HasSuffix(got, `res=0 container-id="abc123" container-name="web"`) || !strings.Contains(got, " contid=-1 ") {
		t.Errorf("record %s", got)
	}
}

// SetRequest travels as the wire form and back.
func TestSetRequestJSON(t *testing.T) {
	for _, c := range []struct {
		req  SetRequest
		wire string
	}{
		{SetRequest{PID: 5, Contid: 18446744073709551614}, `{"pid":5,"contid":"18446744073709551614"}`},
		{SetRequest{PID: 5, Allocate: true}, `{"pid":5,"contid":"auto"}`},
		{SetRequest{PID: 5, Allocate: true, Container: contid.Labels{ID: "abc", Name: "web"}}, `{"pid":5,"contid":"auto","container":{"id":"abc","name":"web"}}`},
		{SetRequest{PID: 5, Contid: 3, Container: contid.Labels{Name: "web"}}, `{"pid":5,"contid":"3","container":{"name":"web"}}`},
	} {
		b, err := json.Marshal(c.req)
		if err != nil || string(b) != c.wire {
			t.Errorf("%+v: %s %v, want %s", c.req, b, err, c.wire)
		}
		var back SetRequest
		if err := json.Unmarshal(b, &back); err != nil || back != c.req {
			t.Errorf("%s: back %+v %v", b, back, err)
		}
	}
}

func TestListAndTree(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	ctx := context.Background()
	if l, err := ts.client.List(ctx); err != nil || l == nil || len(l) != 0 {
		t.Errorf("empty List: %v %v, want [] (not null)", l, err)
	}
	f.mu.Lock()
	f.list = []contid.Container{
		{ID: 1, Parent: contid.Unset, Owner: contid.ProcID{PID: 10, StartTime: 5}, Depth: 1, Nested: 1, Holders: []contid.ProcID{{PID: 11, StartTime: 6}}},
		{ID: 18446744073709551614, Parent: 1, Owner: contid.ProcID{PID: 11, StartTime: 6}, Depth: 2, Labels: contid.Labels{ID: "abc", Name: "web"}},
	}
	f.mu.Unlock()
	l, err := ts.client.List(ctx)
	if err != nil || len(l) != 2 || l[1].ID != 18446744073709551614 || l[1].Parent != 1 || l[0].Holders[0].StartTime != 6 || l[1].Labels.Name != "web" || !l[0].Labels.IsZero() {
		t.Errorf("List: %+v %v", l, err)
	}
	// Labels are listed under "container", and left out when empty.
	var raw []map[string]json.RawMessage
	hc := ts.rawGet(t, "/v0/contid/list")
	if err := json.Unmarshal(hc, &raw); err != nil || len(raw) != 2 || raw[0]["container"] != nil || string(raw[1]["container"]) != `{"id":"abc","name":"web"}` {
		t.Errorf("list JSON %s", hc)
	}
	tr, err := ts.client.Tree(ctx)
	if err != nil || len(tr) != 2 || tr[0].ID != 1 {
		t.Errorf("Tree: %+v %v", tr, err)
	}
}

func TestPolicyAllows(t *testing.T) {
	const capAuditControl = 1 << unix.CAP_AUDIT_CONTROL
	grant := Policy{UIDs: []uint32{1000}, GIDs: []uint32{2000}, Executables: []string{"/usr/bin/conmon"}}
	cases := []struct {
		name   string
		policy Policy
		facts  Facts
		want   bool
	}{
		{"capability in the initial user namespace", Policy{}, Facts{EUID: 5, CapEff: capAuditControl, InitUserNS: true}, true},
		{"capability in a child user namespace", Policy{}, Facts{CapEff: capAuditControl}, false},
		{"other capabilities only", Policy{}, Facts{CapEff: ^uint64(capAuditControl), InitUserNS: true}, false},
		{"root without the capability", Policy{}, Facts{InitUserNS: true}, false},
		{"granted uid", grant, Facts{EUID: 1000}, true},
		{"granted gid", grant, Facts{EUID: 1, EGID: 2000}, true},
		{"granted supplementary group", grant, Facts{EUID: 1, EGID: 1, Groups: []uint32{3, 2000}}, true},
		{"granted executable", grant, Facts{EUID: 1, Exe: "/usr/bin/conmon"}, true},
		{"replaced executable", grant, Facts{EUID: 1, Exe: "/usr/bin/conmon (deleted)"}, false},
		{"nothing granted", grant, Facts{EUID: 1, EGID: 1, Groups: []uint32{3}, Exe: "/bin/sh"}, false},
	}
	for _, c := range cases {
		if got := c.policy.Allows(c.facts); got != c.want {
			t.Errorf("%s: Allows = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestReadFactsSelf(t *testing.T) {
	requireRoot(t)
	init, err := initialUserNS()
	if err != nil {
		t.Fatal(err)
	}
	f, err := readFacts("/proc", int32(os.Getpid()), init)
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	if f.EUID != 0 || f.CapEff&(1<<unix.CAP_AUDIT_CONTROL) == 0 || !f.InitUserNS || f.Exe != exe {
		t.Errorf("facts %+v, want root with CAP_AUDIT_CONTROL in the initial user namespace running %s", f, exe)
	}
}
