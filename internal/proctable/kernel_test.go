package proctable

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/kerneltest"
	"github.com/contaudit/contaudit/internal/procbpf"
	"golang.org/x/sys/unix"
)

// These tests use the real proc connector and /proc. They only start,
// wait for and kill their own processes.

// eachSource runs f once per event source: the proc connector, and BPF,
// which carries what a LazyExec table needs only.
func eachSource(t *testing.T, cfg Config, f func(t *testing.T, cfg Config)) {
	for _, src := range []EventSource{EventsConnector, EventsBPF} {
		t.Run(src.String(), func(t *testing.T) {
			c := cfg
			c.Events = src
			if src == EventsBPF {
				c.LazyExec, c.FoldShortLived = true, true
			}
			f(t, c)
		})
	}
}

// openKernel opens a table with Run going, as the daemon would.
func openKernel(t *testing.T, cfg Config, run bool) *Table {
	t.Helper()
	kerneltest.RequireRoot(t)
	if cfg.Events == EventsAuto {
		cfg.Events = EventsConnector
	}
	tb, err := Open(cfg)
	if errors.Is(err, procbpf.ErrUnsupported) {
		kerneltest.Skip(t, "BPF process events unavailable (needs tp_btf, ring buffers and CAP_BPF): %v", err)
	}
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EPROTONOSUPPORT) {
		kerneltest.Skip(t, "proc connector unavailable (needs CONFIG_PROC_EVENTS and the initial namespaces): %v", err)
	}
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	if run {
		go func() { done <- tb.Run(ctx) }()
	} else {
		done <- nil
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		tb.Close()
	})
	return tb
}

// eventually calls Sync then cond until cond holds or 5s pass.
func eventually(t *testing.T, tb *Table, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if err := tb.Sync(); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func procStart(t *testing.T, pid int) uint64 {
	t.Helper()
	var info procInfo
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	if err := parseStat(b, &info); err != nil {
		t.Fatal(err)
	}
	return info.start
}

func statusField(t *testing.T, pid int, key string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func nsOf(t *testing.T, pid int) Namespaces {
	t.Helper()
	var ns Namespaces
	for i, p := range []*NSID{&ns.Mnt, &ns.PID, &ns.Net, &ns.User, &ns.UTS, &ns.IPC, &ns.Cgroup, &ns.Time} {
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join("/proc", strconv.Itoa(pid), nsNames[i]), &st); err != nil {
			t.Fatal(err)
		}
		*p = NSID{st.Dev, st.Ino}
	}
	return ns
}

func TestKernelSeedFindsSelf(t *testing.T) {
	tb := openKernel(t, Config{}, false)
	self := os.Getpid()
	p, ok := tb.Lookup(int32(self))
	if !ok {
		t.Fatal("this test process is not in the table")
	}
	if p.ID.StartTime != procStart(t, self) {
		t.Errorf("start %d, /proc says %d", p.ID.StartTime, procStart(t, self))
	}
	if p.Parent.PID != int32(os.Getppid()) || p.Parent.StartTime != procStart(t, os.Getppid()) {
		t.Errorf("parent %v, want pid %d", p.Parent, os.Getppid())
	}
	if *p.NS != nsOf(t, self) {
		t.Errorf("namespaces %+v, want %+v", *p.NS, nsOf(t, self))
	}
	wantNSpid := statusField(t, self, "NSpid")
	gotNSpid := strconv.Itoa(self)
	if p.NSpid != nil {
		gotNSpid = strings.Trim(strings.ReplaceAll(strings.Join(strings.Fields(strings.Trim(strings.ReplaceAll(
			strings.Join(strings.Fields(strings.Trim(fmtInts(p.NSpid), "[]")), "\t"), ",", ""), "[]")), "\t"), " ", "\t"), "\t")
	}
	if gotNSpid != wantNSpid {
		t.Errorf("NSpid %q, /proc says %q", gotNSpid, wantNSpid)
	}
	exe, _ := os.Executable()
	if p.Exe != exe || p.Threads < 1 || !p.Leader || p.Flags&Seeded == 0 {
		t.Errorf("exe %q threads %d leader %v flags %b", p.Exe, p.Threads, p.Leader, p.Flags)
	}
	if p.UID != uint32(os.Getuid()) || p.GID != uint32(os.Getgid()) {
		t.Errorf("uid %d gid %d", p.UID, p.GID)
	}
	// Namespace tuples are interned: one pointer for all host processes.
	init, ok := tb.Lookup(int32(os.Getppid()))
	if ok && *init.NS == *p.NS && init.NS != p.NS {
		t.Error("equal namespace sets are not shared")
	}
	if s := tb.Stats(); s.Live < 2 {
		t.Errorf("stats after seed: %+v", s)
	}
}

func fmtInts(v []int32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, "\t")
}

// hookLog records hook calls for the processes a test cares about.
type hookLog struct {
	mu    sync.Mutex
	forks map[int32][]ProcID // child pid -> [parent, child]
	exits map[ProcID]bool
}

func logHooks(tb *Table) *hookLog {
	h := &hookLog{forks: map[int32][]ProcID{}, exits: map[ProcID]bool{}}
	tb.OnFork(func(parent, child ProcID) {
		h.mu.Lock()
		h.forks[child.PID] = []ProcID{parent, child}
		h.mu.Unlock()
	})
	tb.OnExit(func(id ProcID) {
		h.mu.Lock()
		h.exits[id] = true
		h.mu.Unlock()
	})
	return h
}

func (h *hookLog) fork(pid int32) (parent, child ProcID, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.forks[pid]
	if !ok {
		return ProcID{}, ProcID{}, false
	}
	return v[0], v[1], true
}

func (h *hookLog) exited(id ProcID) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.exits[id]
}

func TestKernelForkExecExit(t *testing.T) {
	tb := openKernel(t, Config{}, true)
	h := logHooks(tb)
	self, _ := tb.Lookup(int32(os.Getpid()))
	cmd := exec.Command("/bin/sleep", "0.3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := int32(cmd.Process.Pid)
	start := procStart(t, cmd.Process.Pid)
	eventually(t, tb, "exec of sleep", func() bool { p, ok := tb.Lookup(pid); return ok && p.Comm == "sleep" })
	p, _ := tb.Lookup(pid)
	if p.ID != (ProcID{pid, start}) || p.Parent != self.ID || p.Flags&ForkSeen == 0 {
		t.Errorf("child %+v, want id %d@%d parent %v", p, pid, start, self.ID)
	}
	if !strings.HasSuffix(p.Exe, "sleep") {
		t.Errorf("exe %q", p.Exe)
	}
	if parent, child, ok := h.fork(pid); !ok || parent != self.ID || child != p.ID {
		t.Errorf("OnFork: %v %v %v", parent, child, ok)
	}
	if got := tb.Children(self.ID); !slices.Contains(got, p.ID) {
		t.Errorf("children of the test: %v", got)
	}
	before := time.Now()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	eventually(t, tb, "exit of sleep", func() bool { return h.exited(p.ID) })
	got, ok := tb.Get(p.ID)
	if !ok || !got.Exited() || got.ExitTime.Before(before.Add(-time.Second)) || got.ExitTime.After(time.Now()) {
		t.Errorf("after exit: %+v %v", got, ok)
	}
	if _, ok := tb.Lookup(pid); ok {
		t.Error("Lookup finds an exited process")
	}
	// A record stamped during its life still resolves to it.
	if id, ok := tb.Attribute(pid, self.ID.PID, before); !ok || id != p.ID {
		t.Errorf("Attribute during life = %v %v", id, ok)
	}
}

func TestKernelShortLived(t *testing.T) { eachSource(t, Config{}, testShortLived) }

func testShortLived(t *testing.T, cfg Config) {
	tb := openKernel(t, cfg, true)
	self := int32(os.Getpid())
	const n = 200
	type run struct {
		pid int32
		at  time.Time
	}
	runs := make([]run, 0, n)
	for range n {
		// date prints a time inside its own short life: the stamp an
		// audit record of it would carry.
		cmd := exec.Command("/bin/date", "+%s%N")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run{int32(cmd.Process.Pid), time.Unix(0, ns)})
	}
	if err := tb.Sync(); err != nil {
		t.Fatal(err)
	}
	inferred, estimated := 0, 0
	for _, r := range runs {
		id, ok := tb.Attribute(r.pid, self, r.at)
		if !ok || id.PID != r.pid {
			t.Errorf("pid %d: Attribute = %v %v", r.pid, id, ok)
			continue
		}
		p, _ := tb.Get(id)
		if p.Parent.PID != self || !p.Exited() {
			t.Errorf("pid %d: %+v", r.pid, p)
		}
		if p.Flags&ForkInferred != 0 {
			inferred++
		}
		if p.Flags&StartEstimated != 0 {
			estimated++
		}
	}
	s := tb.Stats()
	t.Logf("%d short-lived children: %d gone before /proc was read (start estimated), %d only inferred by Attribute; stats %+v",
		n, estimated, inferred, s)
	if s.LostEvents == 0 && inferred > 0 {
		t.Errorf("%d forks missed with no lost events", inferred)
	}
}

func TestKernelDoubleForkReparent(t *testing.T) { eachSource(t, Config{}, testDoubleForkReparent) }

func testDoubleForkReparent(t *testing.T, cfg Config) {
	tb := openKernel(t, cfg, true)
	busybox := kerneltest.RequireCommand(t, "busybox")
	perl := kerneltest.RequireCommand(t, "perl")
	// perl becomes a child subreaper (prctl 36) and runs a shell that
	// starts a sleeper and exits: the orphaned sleeper is reparented to
	// perl, which reaps it, so nothing is left to the host's init.
	const script = `
syscall(157, 36, 1, 0, 0, 0) == 0 or die "prctl: $!\n";
$| = 1;
my $m = fork();
if ($m == 0) { exec($ARGV[0], "sh", "-c", "$ARGV[0] sleep 30 >/dev/null 2>&1 & echo gc \$!"); exit(127); }
print "mid $m\n";
waitpid($m, 0);
1 while wait() != -1;`
	cmd := exec.Command(perl, "-e", script, busybox)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reaper := int32(cmd.Process.Pid)
	var mid, gc int32
	sc := bufio.NewScanner(stdout)
	for (mid == 0 || gc == 0) && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		n, _ := strconv.Atoi(v)
		if k == "mid" {
			mid = int32(n)
		} else if k == "gc" {
			gc = int32(n)
		}
	}
	if mid == 0 || gc == 0 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper output: mid %d gc %d", mid, gc)
	}
	t.Cleanup(func() {
		_ = unix.Kill(int(gc), unix.SIGKILL)
		_ = cmd.Wait()
	})
	eventually(t, tb, "reparenting to the subreaper", func() bool {
		p, ok := tb.Lookup(gc)
		return ok && p.Parent.PID == reaper
	})
	p, _ := tb.Lookup(gc)
	rp, ok := tb.Lookup(reaper)
	if !ok || p.Parent != rp.ID || !slices.Contains(tb.Children(rp.ID), p.ID) {
		t.Errorf("sleeper %+v, reaper %+v", p, rp)
	}
	m, ok := tb.Get(ProcID{mid, 0})
	if ok {
		t.Errorf("Get with a zero start time found %+v", m)
	}
	if id, ok := tb.Attribute(mid, reaper, time.Time{}); ok {
		t.Errorf("the exited middle process is still live: %v", id)
	}
	// Before the middle process exited, the sleeper was its child.
	if ppid := statusField(t, int(gc), "PPid"); ppid != strconv.Itoa(int(reaper)) {
		t.Errorf("/proc says PPid %s", ppid)
	}
	t.Logf("sleeper %d reparented from %d to subreaper %d", gc, mid, reaper)
}

// TestKernelPIDReuse makes the kernel hand a PID to a second process:
// clone3 with set_tid (as CRIU does) reuses our own reaped child's PID,
// without touching the host's PID counter or any sysctl.
func TestKernelPIDReuse(t *testing.T) { eachSource(t, Config{}, testPIDReuse) }

func testPIDReuse(t *testing.T, cfg Config) {
	tb := openKernel(t, cfg, true)
	perl := kerneltest.RequireCommand(t, "perl")
	self, _ := tb.Lookup(int32(os.Getpid()))
	const script = `
my $tids = pack("l", $ARGV[0]);
my $args = pack("Q11", 0, 0, 0, 0, 17, 0, 0, 0, unpack("Q", pack("P", $tids)), 1, 0);
my $r = syscall(435, $args, 88);
if ($r == 0) { exec("/bin/sleep", "0.2"); exit(127); }
die "clone3: $!\n" if $r < 0;
print "$r\n"; waitpid($r, 0);`
	var a, b ProcID
	var aAt, bAt time.Time
	var perlPID int32
	for try := 0; ; try++ {
		cmdA := exec.Command("/bin/sleep", "0.05")
		aAt = time.Now()
		if err := cmdA.Run(); err != nil {
			t.Fatal(err)
		}
		pid := cmdA.Process.Pid
		time.Sleep(30 * time.Millisecond) // another clock tick
		cmdB := exec.Command(perl, "-e", script, strconv.Itoa(pid))
		bAt = time.Now()
		out, err := cmdB.Output()
		if err != nil && try < 5 {
			continue // someone took the PID between reap and clone3
		}
		if err != nil {
			t.Fatalf("clone3 set_tid=%d: %v", pid, err)
		}
		if got, _ := strconv.Atoi(strings.TrimSpace(string(out))); got != pid {
			t.Fatalf("clone3 gave pid %q, asked %d", out, pid)
		}
		perlPID = int32(cmdB.Process.Pid)
		a, _ = tb.Attribute(int32(pid), self.ID.PID, aAt.Add(10*time.Millisecond))
		if err := tb.Sync(); err != nil {
			t.Fatal(err)
		}
		b, _ = tb.Attribute(int32(pid), perlPID, bAt.Add(150*time.Millisecond))
		break
	}
	if a.PID != b.PID || a == b {
		t.Fatalf("two processes with PID %d: %v and %v", a.PID, a, b)
	}
	pa, _ := tb.Get(a)
	pb, _ := tb.Get(b)
	if pa.Parent != self.ID || pb.Parent.PID != perlPID || !pa.Exited() || !pb.Exited() {
		t.Errorf("A %+v\nB %+v", pa, pb)
	}
	if !pa.ExitTime.Before(time.Unix(0, 0).Add(time.Duration(0))) && !pa.ExitTime.Before(pb.ExitTime) {
		t.Errorf("A exited %v, B %v", pa.ExitTime, pb.ExitTime)
	}
	// Time alone separates them; ppid alone separates them.
	if id, _ := tb.Attribute(a.PID, 0, aAt.Add(10*time.Millisecond)); id != a {
		t.Errorf("by time, A's record went to %v", id)
	}
	if id, _ := tb.Attribute(a.PID, 0, bAt.Add(150*time.Millisecond)); id != b {
		t.Errorf("by time, B's record went to %v", id)
	}
	t.Logf("PID %d reused: A %v (parent %v), B %v (parent %v)", a.PID, a, pa.Parent, b, pb.Parent)
}

func TestKernelPIDNamespaceNSpid(t *testing.T) {
	tb := openKernel(t, Config{}, true)
	busybox := kerneltest.RequireCommand(t, "busybox")
	unshare := kerneltest.RequireCommand(t, "unshare")
	// ns_last_pid here is the new namespace's own counter: the host's
	// is not touched. The sleeper gets PID 100 inside.
	cmd := exec.Command(unshare, "-p", "-f", busybox, "sh", "-c",
		"echo 99 > /proc/sys/kernel/ns_last_pid && "+busybox+" sleep 1; true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var sh, sleeper Process
	eventually(t, tb, "the sleeper in the new PID namespace", func() bool {
		found := false
		tb.Walk(func(p *Process) bool {
			if !p.Exited() && len(p.NSpid) == 2 && p.NSpid[1] == 100 && p.Parent.PID != 0 {
				sleeper, found = *p, true
				return false
			}
			return true
		})
		return found
	})
	sh, ok := tb.Get(sleeper.Parent)
	if !ok || len(sh.NSpid) != 2 || sh.NSpid[1] != 1 {
		t.Fatalf("sleeper's parent: %+v %v", sh, ok)
	}
	if sh.Parent.PID != int32(cmd.Process.Pid) {
		t.Errorf("namespace init's parent %v, want unshare %d", sh.Parent, cmd.Process.Pid)
	}
	want := statusField(t, int(sleeper.ID.PID), "NSpid")
	if got := fmtInts(sleeper.NSpid); got != want {
		t.Errorf("NSpid %q, /proc says %q", got, want)
	}
	self, _ := tb.Lookup(int32(os.Getpid()))
	if sleeper.NS.PID == self.NS.PID || sleeper.NS.PID != sh.NS.PID || sleeper.NS.Net != self.NS.Net {
		t.Errorf("namespaces: sleeper %+v sh %+v self %+v", *sleeper.NS, *sh.NS, *self.NS)
	}
	if *sleeper.NS != nsOf(t, int(sleeper.ID.PID)) {
		t.Errorf("sleeper namespaces %+v, /proc %+v", *sleeper.NS, nsOf(t, int(sleeper.ID.PID)))
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("unshare: %v: %s", err, stderr.Bytes())
	}
}

func TestKernelCloseStopsRun(t *testing.T) {
	kerneltest.RequireRoot(t)
	tb, err := Open(Config{})
	if err != nil {
		kerneltest.Skip(t, "proc connector: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- tb.Run(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Run after Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if err := tb.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
	if _, ok := tb.Lookup(int32(os.Getpid())); !ok {
		t.Error("a closed table is no longer readable")
	}
}

// TestKernelRuncContainer starts a real container: runc's init child
// unshares and joins namespaces and moves cgroups (no connector event for
// any of it) and then execs the container's process, whose entry must show
// the container's namespaces, NSpid and cgroup as /proc does.
func TestKernelRuncContainer(t *testing.T) {
	tb := openKernel(t, Config{}, true)
	runc := kerneltest.RequireCommand(t, "runc")
	busybox := kerneltest.RequireCommand(t, "busybox")
	bundle := t.TempDir()
	for _, d := range []string{"rootfs/bin", "rootfs/proc", "rootfs/dev", "rootfs/sys"} {
		if err := os.MkdirAll(filepath.Join(bundle, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "rootfs/bin/busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(runc, "spec", "--bundle", bundle).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	spec, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	spec = bytes.Replace(spec, []byte(`"terminal": true`), []byte(`"terminal": false`), 1)
	spec = bytes.Replace(spec, []byte(`"sh"`), []byte(`"/bin/busybox", "sleep", "30"`), 1)
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	id := "proctable-test-" + strconv.Itoa(os.Getpid())
	cmd := exec.Command(runc, "run", "--bundle", bundle, id)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ctr Process
	t.Cleanup(func() {
		if ctr.ID.PID != 0 {
			_ = unix.Kill(int(ctr.ID.PID), unix.SIGKILL)
		}
		_ = cmd.Wait()
		_ = exec.Command(runc, "delete", "-f", id).Run()
	})
	var runcID ProcID
	eventually(t, tb, "runc's container process", func() bool {
		if runcID.IsZero() {
			p, ok := tb.Lookup(int32(cmd.Process.Pid))
			if !ok {
				return false
			}
			runcID = p.ID
		}
		found := false
		tb.Walk(func(p *Process) bool {
			if !p.Exited() && len(p.NSpid) == 2 && p.NSpid[1] == 1 && p.Comm == "busybox" {
				ctr, found = *p, true
				return false
			}
			return true
		})
		return found && tb.IsDescendant(ctr.ID, runcID)
	})
	pid := int(ctr.ID.PID)
	if want := nsOf(t, pid); *ctr.NS != want {
		t.Errorf("container namespaces %+v, /proc %+v", *ctr.NS, want)
	}
	self, _ := tb.Lookup(int32(os.Getpid()))
	if ctr.NS.PID == self.NS.PID || ctr.NS.Net == self.NS.Net || ctr.NS.Mnt == self.NS.Mnt || ctr.NS.UTS == self.NS.UTS || ctr.NS.IPC == self.NS.IPC {
		t.Errorf("container shares namespaces with the test: %+v vs %+v", *ctr.NS, *self.NS)
	}
	if want := statusField(t, pid, "NSpid"); fmtInts(ctr.NSpid) != want {
		t.Errorf("NSpid %v, /proc %q", ctr.NSpid, want)
	}
	cg, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if want := string(cgroupV2(cg)); ctr.Cgroup != want {
		t.Errorf("cgroup %q, /proc %q", ctr.Cgroup, want)
	}
	if exe, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); ctr.Exe != exe {
		t.Errorf("exe %q, /proc %q", ctr.Exe, exe)
	}
	t.Logf("container process %v: NSpid %v, parent %v, runc %v", ctr.ID, ctr.NSpid, ctr.Parent, runcID)
}

// TestKernelOpenUnprivileged runs Open as nobody (in a copy of this test
// binary). Kernels before 6.6 refuse the subscription without
// CAP_NET_ADMIN: Open must then fail with EPERM, promptly, rather than
// return a table that never hears of a process. Later kernels let anyone
// listen: the table must then follow its own children.
func TestKernelOpenUnprivileged(t *testing.T) {
	if os.Getenv("PROCTABLE_UNPRIVILEGED_CHILD") == "1" {
		// A lazy table would take BPF, which nobody may load: it
		// falls back to the connector and says why.
		tb, err := Open(Config{LazyExec: true})
		if err == nil {
			if src, why := tb.EventSource(); src != EventsConnector || why == "" {
				t.Errorf("lazy table as uid %d: event source %v, reason %q; want the connector and a reason", os.Getuid(), src, why)
			}
		}
		if err != nil {
			if !errors.Is(err, unix.EPERM) {
				t.Fatalf("Open as uid %d: %v, want EPERM", os.Getuid(), err)
			}
			t.Logf("Open as uid %d: %v", os.Getuid(), err)
			return
		}
		defer tb.Close()
		cmd := exec.Command("/bin/true")
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		if err := tb.Sync(); err != nil {
			t.Fatal(err)
		}
		var p Process
		tb.Walk(func(q *Process) bool {
			if q.ID.PID == int32(cmd.Process.Pid) {
				p = *q
			}
			return true
		})
		if p.Flags&(ForkSeen|Exited) != ForkSeen|Exited || p.Parent.PID != int32(os.Getpid()) {
			t.Fatalf("child %d as uid %d: %+v", cmd.Process.Pid, os.Getuid(), p)
		}
		t.Logf("Open as uid %d works; child %v tracked from FORK to EXIT", os.Getuid(), p.ID)
		return
	}
	kerneltest.RequireRoot(t)
	cmd := kerneltest.AsNobody(t, "-test.run=^TestKernelOpenUnprivileged$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "PROCTABLE_UNPRIVILEGED_CHILD=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("unprivileged Open: %v\n%s", err, out)
	}
	t.Logf("took %v:\n%s", time.Since(start).Round(time.Millisecond), bytes.TrimSpace(out))
}

// A passive table subscribes without Go's poller and follows processes
// through Sync alone.
func TestPassive(t *testing.T) {
	eachSource(t, Config{Passive: true, LazyExec: true}, testPassive)
}

func testPassive(t *testing.T, cfg Config) {
	kerneltest.RequireRoot(t)
	tab, err := Open(cfg)
	if errors.Is(err, procbpf.ErrUnsupported) {
		kerneltest.Skip(t, "BPF process events unavailable: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if got, why := tab.EventSource(); got != cfg.Events {
		t.Fatalf("event source %v (%s), want %v", got, why, cfg.Events)
	}
	if err := tab.Run(t.Context()); err == nil {
		t.Fatal("Run on a passive table did not fail")
	}
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if err := tab.Sync(); err != nil {
		t.Fatal(err)
	}
	p, ok := tab.Lookup(int32(cmd.Process.Pid))
	if !ok || p.Parent.PID != int32(os.Getpid()) {
		t.Fatalf("child %d after Sync: %+v %v", cmd.Process.Pid, p, ok)
	}
	if p, ok := tab.Refresh(int32(cmd.Process.Pid)); !ok || p.Comm != "sleep" || p.Flags&Stale != 0 {
		t.Fatalf("Refresh: %+v %v", p, ok)
	}
	// Since Linux 6.6 a lazy table hears only FORK and EXIT.
	var u unix.Utsname
	unix.Uname(&u)
	var major, minor int
	fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &major, &minor)
	if major > 6 || major == 6 && minor >= 6 {
		if err := exec.Command("/bin/sh", "-c", "exec /bin/true").Run(); err != nil {
			t.Fatal(err)
		}
		tab.Sync()
		if st := tab.Stats(); st.Execs != 0 || st.Forks == 0 || st.Exits == 0 {
			t.Errorf("lazy table on Linux %d.%d: %d execs, %d forks, %d exits; want only forks and exits", major, minor, st.Execs, st.Forks, st.Exits)
		}
	}
}

// execFromThreadEnv makes the test binary execFromThread.
const execFromThreadEnv = "PROCTABLE_EXEC_FROM_THREAD"

// execFromThread is a Go program's exec as contaudit's own CLI stub makes
// it: from whatever thread the goroutine runs on, with other threads
// alive, so that the kernel's de_thread ends the old leader (an EXIT with
// the process's own PID) and the exec'ing thread takes its PID. The new
// program (sleep) then lives a moment and exits.
func execFromThread() {
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			time.Sleep(50 * time.Millisecond)
		}()
	}
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		done <- syscall.Exec("/bin/sleep", []string{"sleep", "0.2"}, os.Environ())
	}()
	fmt.Fprintln(os.Stderr, <-done)
	os.Exit(2)
}

// A process whose non-leader thread execs, then exits, ends exited: the
// old leader's EXIT (de_thread) must not make it look gone while the new
// program runs, nor alive after it ended.
func TestKernelExecFromThread(t *testing.T) {
	eachSource(t, Config{}, testExecFromThread)
}

func testExecFromThread(t *testing.T, cfg Config) {
	tb := openKernel(t, cfg, true)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), execFromThreadEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("helper: %v: %s", err, out)
		}
		pid := int32(cmd.Process.Pid)
		eventually(t, tb, "the exec'd helper to end exited", func() bool {
			_, live := tb.Lookup(pid)
			return !live
		})
	}
}
