package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/kerneltest"
	"golang.org/x/sys/unix"
)

// child runs the test binary (or exe) as a client process making the
// requests in ops, and returns what it got, one outcome per request.
func (ts *testServer) child(t *testing.T, exe, ops string, pid int32, cred *syscall.Credential) []childOutcome {
	t.Helper()
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+ops, childSocketEnv+"="+ts.path, childPIDEnv+"="+strconv.Itoa(int(pid)),
		// Under -race a child otherwise sleeps a second at exit, waiting
		// for race reports from threads it does not have.
		"GORACE=atexit_sleep_ms=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", ops, err, stderr.Bytes())
	}
	var outs []childOutcome
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var o childOutcome
		if err := dec.Decode(&o); err != nil {
			t.Fatalf("child %s: %q: %v", ops, out, err)
		}
		if o.PID != cmd.Process.Pid {
			t.Fatalf("child reports PID %d, started as %d", o.PID, cmd.Process.Pid)
		}
		outs = append(outs, o)
	}
	if want := len(strings.Split(ops, ",")); len(outs) != want {
		t.Fatalf("child %s: %d outcomes, want %d", ops, len(outs), want)
	}
	return outs
}

var nobody = &syscall.Credential{Uid: 65534, Gid: 65534}

// otherExe is a copy of the test binary that user nobody may run: another
// file than the daemon's executable, so its callers act for themselves.
// otherExeDir holds the copy, for TestMain to remove.
var otherExeDir string

var otherExe = sync.OnceValues(func() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "control-test-")
	if err != nil {
		return "", err
	}
	otherExeDir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	in, err := os.Open(self)
	if err != nil {
		return "", err
	}
	defer in.Close()
	path := filepath.Join(dir, "client")
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", err
	}
	return path, out.Close()
})

func copiedExe(t *testing.T) string {
	t.Helper()
	path, err := otherExe()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func procID(t *testing.T, pid int) contid.ProcID {
	t.Helper()
	st, err := readProcStat("/proc", int32(pid))
	if err != nil {
		t.Fatal(err)
	}
	return contid.ProcID{PID: int32(pid), StartTime: st.start}
}

// A client process that is not contaudit is the writer itself, identified
// by the kernel.
func TestChildIsWriter(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServer(t, f, Policy{})
	o := ts.child(t, "", "set", int32(os.Getpid()), nil)[0]
	if o.Errno != "" {
		t.Fatalf("child: %+v", o)
	}
	var res SetResult
	if err := json.Unmarshal(o.Result, &res); err != nil {
		t.Fatal(err)
	}
	sets, _, _, _ := f.calls()
	if len(sets) != 1 {
		t.Fatalf("sets %+v", sets)
	}
	w := sets[0].w
	if w.Proc.PID != int32(o.PID) || w.Proc.StartTime == 0 || !w.Via.IsZero() || !w.CanSetContid || res.Writer != w.Proc {
		t.Errorf("writer %+v (result %+v), want the child %d with the permission", w, res, o.PID)
	}
	if sets[0].target != procID(t, os.Getpid()) || sets[0].id != 42 {
		t.Errorf("target %v contid %v", sets[0].target, sets[0].id)
	}
}

// A client running the daemon's own executable is contaudit's CLI: it acts
// for its parent, here this test process.
func TestOwnExecutableActsForParent(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServerWith(t, f, Policy{}, func(s *Server, real func(int32) bool) { s.IsOwnExecutable = real })
	o := ts.child(t, "", "set", int32(os.Getppid()), nil)[0]
	if o.Errno != "" {
		t.Fatalf("child: %+v", o)
	}
	var res SetResult
	if err := json.Unmarshal(o.Result, &res); err != nil {
		t.Fatal(err)
	}
	sets, _, _, _ := f.calls()
	if len(sets) != 1 {
		t.Fatalf("sets %+v", sets)
	}
	w := sets[0].w
	self := procID(t, os.Getpid())
	if w.Proc != self || w.Via.PID != int32(o.PID) || !w.CanSetContid || res.Writer != self || res.Via != w.Via {
		t.Errorf("writer %+v (result %+v), want this process %v via the child %d", w, res, self, o.PID)
	}
	// The same comparison does not take another file for contaudit.
	f2 := newFake()
	ts2 := startServerWith(t, f2, Policy{}, func(s *Server, real func(int32) bool) { s.IsOwnExecutable = real })
	o = ts2.child(t, copiedExe(t), "set", int32(os.Getpid()), nil)[0]
	sets, _, _, _ = f2.calls()
	if o.Errno != "" || len(sets) != 1 || sets[0].w.Proc.PID != int32(o.PID) || !sets[0].w.Via.IsZero() {
		t.Errorf("copied executable: %+v, sets %+v; want the child as writer", o, sets)
	}
}

// The CLI never adds rights: run by a privileged parent as an unprivileged
// user, it gets no permission (nor would an orphaned CLI, reparented to
// init, borrow init's).
func TestOwnExecutableNeedsItsOwnPermission(t *testing.T) {
	requireRoot(t)
	exe := copiedExe(t)
	cli, err := statID(exe)
	if err != nil {
		t.Fatal(err)
	}
	f := newFake()
	ts := startServerWith(t, f, Policy{}, func(s *Server, _ func(int32) bool) {
		s.IsOwnExecutable = func(pid int32) bool {
			id, err := statID("/proc/" + strconv.Itoa(int(pid)) + "/exe")
			return err == nil && id == cli
		}
	})
	o := ts.child(t, exe, "set", int32(os.Getppid()), nobody)[0]
	sets, _, _, _ := f.calls()
	if o.Errno != "" || len(sets) != 1 {
		t.Fatalf("child %+v, sets %+v", o, sets)
	}
	if w := sets[0].w; w.Proc != procID(t, os.Getpid()) || w.Via.PID != int32(o.PID) || w.CanSetContid {
		t.Errorf("writer %+v: want this process via the child, without the permission", w)
	}

	// A grant by executable names the orchestrator, not contaudit: the
	// CLI's credentials are judged with its parent's executable.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f = newFake()
	ts = startServerWith(t, f, Policy{Executables: []string{self}}, func(s *Server, _ func(int32) bool) {
		s.IsOwnExecutable = func(pid int32) bool {
			id, err := statID("/proc/" + strconv.Itoa(int(pid)) + "/exe")
			return err == nil && id == cli
		}
	})
	o = ts.child(t, exe, "set", int32(os.Getppid()), nobody)[0]
	sets, _, _, _ = f.calls()
	if o.Errno != "" || len(sets) != 1 || !sets[0].w.CanSetContid || sets[0].w.Via.PID != int32(o.PID) {
		t.Errorf("child %+v, sets %+v: want the permission granted by the parent's executable", o, sets)
	}
}

// Permission by default is CAP_AUDIT_CONTROL: root has it, nobody has not;
// a Policy grants it by uid, gid or executable.
func TestPermission(t *testing.T) {
	requireRoot(t)
	exe := copiedExe(t)
	cases := []struct {
		name   string
		policy Policy
		cred   *syscall.Credential
		want   bool
	}{
		{"root", Policy{}, nil, true},
		{"nobody", Policy{}, nobody, false},
		{"nobody, uid granted", Policy{UIDs: []uint32{65534}}, nobody, true},
		{"nobody, gid granted", Policy{GIDs: []uint32{65534}}, nobody, true},
		{"nobody, executable granted", Policy{Executables: []string{exe}}, nobody, true},
		{"nobody, others granted", Policy{UIDs: []uint32{1}, GIDs: []uint32{1}, Executables: []string{"/bin/true"}}, nobody, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake()
			ts := startServer(t, f, c.policy)
			outs := ts.child(t, exe, "set,list,get", int32(os.Getpid()), c.cred)
			o := outs[0]
			sets, _, _, _ := f.calls()
			if o.Errno != "" || len(sets) != 1 {
				t.Fatalf("child %+v, sets %+v", o, sets)
			}
			w := sets[0].w
			if w.Proc.PID != int32(o.PID) || w.CanSetContid != c.want {
				t.Errorf("writer %+v, want the child with CanSetContid %v", w, c.want)
			}
			o = outs[1]
			if c.want && o.Errno != "" {
				t.Errorf("list: %+v", o)
			}
			if !c.want && (o.Errno != "EPERM" || o.Status != 403) {
				t.Errorf("list: %+v, want 403 EPERM", o)
			}
			// Reading is the registry's call: the permission only travels.
			o = outs[2]
			_, _, gets, _ := f.calls()
			if o.Errno != "" || len(gets) != 1 || gets[0].w.CanSetContid != c.want {
				t.Errorf("get: %+v, gets %+v", o, gets)
			}
		})
	}
}

// A pidfd shows its process's exit: what refuses a caller that exited
// before its request was served.
func TestPinSeesExit(t *testing.T) {
	requireRoot(t)
	cmd := exec.Command(kerneltest.RequireCommand(t, "cat"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := int32(cmd.Process.Pid)
	p, err := pin("/proc", pid, -1)
	if err != nil {
		stdin.Close()
		cmd.Wait()
		t.Fatal(err)
	}
	defer p.close()
	if !p.alive() || p.start != procID(t, int(pid)).StartTime || p.ppid != int32(os.Getpid()) {
		t.Errorf("pinned %+v, want the live child of this process", p)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if p.alive() {
		t.Error("pidfd shows a reaped process alive")
	}
	if _, err := pin("/proc", pid, -1); err == nil {
		t.Error("pinned a process that was reaped")
	}
	p.close()
	if p.alive() {
		t.Error("a closed pin is alive")
	}
}

// When contaudit's CLI connects, its parent is checked as the caller is:
// a parent the process table gives another start time is refused.
func TestOwnExecutableParentReused(t *testing.T) {
	requireRoot(t)
	f := newFake()
	ts := startServerWith(t, f, Policy{}, func(s *Server, _ func(int32) bool) {
		s.IsOwnExecutable = func(pid int32) bool { return pid == int32(os.Getpid()) }
	})
	ctx := context.Background()
	ppid := int32(os.Getppid())
	// This process plays the CLI: the writer is its parent.
	if _, err := ts.client.Get(ctx, ppid); err != nil {
		t.Fatal(err)
	}
	_, _, gets, _ := f.calls()
	if len(gets) != 1 || gets[0].w.Proc != procID(t, int(ppid)) || gets[0].w.Via != procID(t, os.Getpid()) {
		t.Fatalf("gets %+v, want the parent via this process", gets)
	}
	f.mu.Lock()
	f.skew[ppid] = 1
	f.mu.Unlock()
	_, err := ts.client.Set(ctx, ppid, 3)
	var ce *Error
	if !errors.As(err, &ce) || ce.Errno != "ESRCH" || !strings.Contains(ce.Message, "writer "+itoa(int(ppid))+" has exited and its PID now names another process") {
		t.Errorf("set with a reused parent: %v", err)
	}
	sets, _, _, refused := f.calls()
	if len(sets) != 0 || len(refused) != 1 || !errors.Is(refused[0].Err, unix.ESRCH) {
		t.Errorf("sets %+v refused %+v", sets, refused)
	}
}
