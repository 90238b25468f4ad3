package proctable

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/procbpf"
	"golang.org/x/sys/unix"
)

const ms = int64(time.Millisecond)

func seeded(t *testing.T, cfg Config) (*Table, *fakeProc) {
	t.Helper()
	f := newFakeProc()
	f.add(1, 0, 1, "init")
	f.add(100, 1, 50, "bash")
	tb := newFakeTable(cfg, f)
	tb.drainMu.Lock()
	if err := tb.rescan(true); err != nil {
		t.Fatal(err)
	}
	tb.drainMu.Unlock()
	return tb, f
}

// live applies a process's FORK at start (mono ns) and, unless exit is
// 0, its EXIT; /proc shows it in between.
func live(tb *Table, f *fakeProc, pid, ppid int32, comm string, start, exit int64) ProcID {
	f.add(pid, ppid, ticks(start), comm)
	tb.applyAll(fakeClocks(start), forkEvent(start, ppid, pid, pid))
	if exit != 0 {
		delete(f.procs, pid)
		tb.applyAll(fakeClocks(exit), exitEvent(exit, pid, pid, ppid))
	}
	return ProcID{pid, ticks(start)}
}

func TestSeedLinksParents(t *testing.T) {
	tb, _ := seeded(t, Config{})
	p, ok := tb.Lookup(100)
	if !ok || p.Parent != (ProcID{1, 1}) || p.Comm != "bash" || p.Flags&Seeded == 0 {
		t.Fatalf("bash: %+v %v", p, ok)
	}
	if got := tb.Children(ProcID{1, 1}); !slices.Equal(got, []ProcID{{100, 50}}) {
		t.Fatalf("children of init: %v", got)
	}
}

func TestPIDReuseNeverConfuses(t *testing.T) {
	tb, f := seeded(t, Config{})
	var forks, exits []ProcID
	tb.OnFork(func(_, c ProcID) { forks = append(forks, c) })
	tb.OnExit(func(c ProcID) { exits = append(exits, c) })

	// A: pid 500 from bash, 10.000s..10.020s. B: pid 500 from init at 10.025s,
	// in the same 10ms tick range as A's exit.
	a := live(tb, f, 500, 100, "a", 10_000*ms, 10_020*ms)
	b := live(tb, f, 500, 1, "b", 10_025*ms, 0)
	if a == b {
		t.Fatal("test needs distinct ticks")
	}
	for _, tc := range []struct {
		name string
		ppid int32
		at   int64
		want ProcID
	}{
		{"A mid-life", 100, 10_010 * ms, a},
		{"A mid-life, no ppid", 0, 10_010 * ms, a},
		{"A last record", 100, 10_020 * ms, a},
		{"B after start", 1, 10_030 * ms, b},
		{"B, no ppid", 0, 10_030 * ms, b},
		{"now", 0, 0, b},
	} {
		var at time.Time
		if tc.at != 0 {
			at = wallAt(tc.at)
		}
		if got, ok := tb.Attribute(500, tc.ppid, at); !ok || got != tc.want {
			t.Errorf("%s: Attribute = %v %v, want %v", tc.name, got, ok, tc.want)
		}
	}
	if p, _ := tb.Lookup(500); p.ID != b || p.Comm != "b" {
		t.Errorf("Lookup(500) = %+v, want B", p)
	}
	if p, ok := tb.Get(a); !ok || !p.Exited() || p.Comm != "a" || p.Parent.PID != 100 {
		t.Errorf("Get(A) = %+v %v", p, ok)
	}
	if !slices.Equal(forks, []ProcID{a, b}) || !slices.Equal(exits, []ProcID{a}) {
		t.Errorf("hooks: forks %v exits %v", forks, exits)
	}
}

func TestReuseWithMissedExitInfersIt(t *testing.T) {
	tb, f := seeded(t, Config{})
	var order []string
	tb.OnFork(func(_, c ProcID) { order = append(order, "fork "+c.String()) })
	tb.OnExit(func(c ProcID) { order = append(order, "exit "+c.String()) })
	f.add(600, 100, 1000, "old")
	tb.applyAll(fakeClocks(10_000*ms), forkEvent(10_000*ms, 100, 600, 600))
	f.add(600, 100, 2000, "new") // old's EXIT was lost
	tb.applyAll(fakeClocks(20_000*ms), forkEvent(20_000*ms, 100, 600, 600))
	old, _ := tb.Get(ProcID{600, 1000})
	if !old.Exited() || old.Flags&ExitInferred == 0 {
		t.Fatalf("old: %+v", old)
	}
	want := []string{"fork 600@1000", "exit 600@1000", "fork 600@2000"}
	if !slices.Equal(order, want) {
		t.Fatalf("hook order %v, want %v", order, want)
	}
}

func TestShortLivedEstimatesStart(t *testing.T) {
	tb, _ := seeded(t, Config{})
	// Gone before /proc could be read: the table still records it, as a
	// copy of its parent, and attributes its records.
	tb.applyAll(fakeClocks(5_000*ms), forkEvent(5_000*ms, 100, 700, 700), exitEvent(5_001*ms, 700, 700, 100))
	id, ok := tb.Attribute(700, 100, wallAt(5_000*ms))
	if !ok || id != (ProcID{700, ticks(5_000 * ms)}) {
		t.Fatalf("Attribute = %v %v", id, ok)
	}
	p, _ := tb.Get(id)
	if p.Flags&(StartEstimated|Exited) != StartEstimated|Exited || p.Comm != "bash" || p.NS == nil || p.Parent.PID != 100 {
		t.Fatalf("short-lived: %+v", p)
	}
}

func TestAttributeInfersMissedFork(t *testing.T) {
	tb, f := seeded(t, Config{})
	var forks []ProcID
	tb.OnFork(func(parent, c ProcID) { forks = append(forks, parent, c) })

	// Still running: read from /proc.
	f.add(800, 100, ticks(3_000*ms), "alive")
	id, ok := tb.Attribute(800, 100, wallAt(3_100*ms))
	if p, _ := tb.Get(id); !ok || p.Comm != "alive" || p.Flags&ForkInferred == 0 || p.Parent != (ProcID{100, 50}) {
		t.Fatalf("alive: %+v %v", p, ok)
	}
	// Gone: a child of the record's ppid, exited.
	id, ok = tb.Attribute(801, 100, wallAt(3_200*ms))
	p, _ := tb.Get(id)
	if !ok || p.Flags&(ForkInferred|StartEstimated|Exited) != ForkInferred|StartEstimated|Exited || p.Parent != (ProcID{100, 50}) || p.Comm != "bash" {
		t.Fatalf("gone: %+v %v", p, ok)
	}
	// A second record of the same process finds the same entry.
	if id2, _ := tb.Attribute(801, 100, wallAt(3_200*ms)); id2 != id {
		t.Fatalf("second attribution %v, first %v", id2, id)
	}
	// Reparented since the record (its ppid is now init's): still the
	// process that held the PID, since it started well before.
	f.add(803, 1, ticks(3_000*ms), "orphan")
	id, ok = tb.Attribute(803, 100, wallAt(3_400*ms))
	if p, _ := tb.Get(id); !ok || p.Comm != "orphan" || p.Exited() || p.Parent != (ProcID{1, 1}) {
		t.Fatalf("reparented: %+v %v", p, ok)
	}
	// No ppid and nothing in /proc: unknown.
	if _, ok := tb.Attribute(802, 0, wallAt(3_300*ms)); ok {
		t.Fatal("attributed an unknown pid without ppid")
	}
	if len(forks) != 6 || forks[0] != (ProcID{100, 50}) {
		t.Fatalf("fork hooks %v", forks)
	}
}

// tenShortLived runs bash's children 900-909, each started at (i+1)*100
// ms and gone a millisecond later.
func tenShortLived(tb *Table, f *fakeProc) {
	for i := int32(0); i < 10; i++ {
		ts := int64(i+1) * 100 * ms
		f.add(900+i, 100, ticks(ts), "x")
		tb.applyAll(fakeClocks(ts), forkEvent(ts, 100, 900+i, 900+i))
		delete(f.procs, 900+i)
		tb.applyAll(fakeClocks(ts+ms), exitEvent(ts+ms, 900+i, 900+i, 100))
	}
}

func TestRetention(t *testing.T) {
	tb, f := seeded(t, Config{Retention: time.Second, RetainExited: 3})
	tenShortLived(tb, f)
	// All ten exited within the last second: all kept.
	if s := tb.Stats(); s.RetainedExited != 10 {
		t.Fatalf("retained %d, want 10 within the window", s.RetainedExited)
	}
	// Long after: only the count floor remains, the newest ones.
	tb.applyAll(fakeClocks(60_000 * ms))
	if s := tb.Stats(); s.RetainedExited != 3 {
		t.Fatalf("retained %d, want 3", s.RetainedExited)
	}
	if _, ok := tb.Get(ProcID{909, ticks(1000 * ms)}); !ok {
		t.Error("newest exited process forgotten")
	}
	if _, ok := tb.Get(ProcID{900, ticks(100 * ms)}); ok {
		t.Error("oldest exited process kept")
	}
	if got := tb.Children(ProcID{100, 50}); len(got) != 0 {
		t.Errorf("bash has live children %v", got)
	}
}

// Release lets exited processes go before Retention once the audit stream
// has passed them by more than releaseSlack, past the count floor too,
// and their entries are reused.
func TestRelease(t *testing.T) {
	tb, f := seeded(t, Config{Retention: time.Hour, RetainExited: 3})
	tenShortLived(tb, f)
	// Records up to 1.5 s in: only exits before 0.5 s may go (slack).
	tb.Release(wallAt(1500 * ms))
	tb.applyAll(fakeClocks(2000 * ms))
	if s := tb.Stats(); s.RetainedExited != 6 {
		t.Fatalf("retained %d after a release at 1.5 s, want 6 (exits from 0.5 s on)", s.RetainedExited)
	}
	if _, ok := tb.Get(ProcID{903, ticks(400 * ms)}); ok {
		t.Error("an exit 1.1 s before the release is kept")
	}
	if _, ok := tb.Get(ProcID{904, ticks(500 * ms)}); !ok {
		t.Error("an exit within the slack is forgotten")
	}
	// Far later, released, the floor does not hold them.
	tb.Release(wallAt(60_000 * ms))
	tb.applyAll(fakeClocks(60_000 * ms))
	if s := tb.Stats(); s.RetainedExited != 0 {
		t.Fatalf("retained %d, want none", s.RetainedExited)
	}
	// A release never moves back.
	tb.Release(wallAt(0))
	if got := tb.releasedNs.Load(); got != wallAt(60_000*ms).UnixNano() {
		t.Errorf("release moved back to %d", got)
	}
	// The forgotten entries wait, cleared, for the next processes.
	if len(tb.free) != 10 {
		t.Fatalf("%d entries kept for reuse, want 10", len(tb.free))
	}
	for _, p := range tb.free {
		if !reflect.DeepEqual(*p, proc{}) {
			t.Fatalf("a freed entry is not cleared: %+v", *p)
		}
	}
	reused := tb.free[len(tb.free)-1]
	ts := 61_000 * ms
	f.add(950, 100, ticks(ts), "y")
	tb.applyAll(fakeClocks(ts), forkEvent(ts, 100, 950, 950))
	if p, ok := tb.Lookup(950); !ok || p.Parent.PID != 100 || tb.find(p.ID) != reused {
		t.Errorf("new process %+v %v not in the reused entry", p, ok)
	}
}

func TestThreads(t *testing.T) {
	tb, f := seeded(t, Config{})
	f.add(1000, 100, 77, "mt")
	tb.applyAll(fakeClocks(770*ms), forkEvent(770*ms, 100, 1000, 1000),
		forkEvent(771*ms, 1000, 1001, 1000), forkEvent(772*ms, 1000, 1002, 1000))
	if p, _ := tb.Lookup(1000); p.Threads != 3 {
		t.Fatalf("threads %d, want 3", p.Threads)
	}
	if _, ok := tb.Lookup(1001); ok {
		t.Fatal("a thread got its own entry")
	}
	// exit_group: the leader's EXIT may come first; the process is gone
	// when the last thread is.
	tb.applyAll(fakeClocks(800*ms), exitEvent(800*ms, 1000, 1000, 100), exitEvent(801*ms, 1001, 1000, 100))
	if p, _ := tb.Get(ProcID{1000, 77}); p.Exited() {
		t.Fatal("exited while a thread lives")
	}
	tb.applyAll(fakeClocks(802*ms), exitEvent(802*ms, 1002, 1000, 100))
	if p, _ := tb.Get(ProcID{1000, 77}); !p.Exited() || p.ExitTime != wallAt(802*ms) {
		t.Fatalf("after last thread: %+v", p)
	}
}

// /proc, read at a FORK or an EXEC, may already show threads whose FORK
// events are still queued: counted once, the process still ends with its
// last thread.
func TestThreadsReadLate(t *testing.T) {
	tb, f := seeded(t, Config{})
	f.add(1200, 100, 90, "go").threads = 3 // the child's runtime already started two
	tb.applyAll(fakeClocks(900*ms), forkEvent(900*ms, 100, 1200, 1200),
		forkEvent(901*ms, 1200, 1201, 1200), forkEvent(902*ms, 1200, 1202, 1200))
	if p, _ := tb.Lookup(1200); p.Threads != 3 {
		t.Fatalf("after FORK: threads %d, want 3", p.Threads)
	}
	// It execs another Go program: de_thread ends 1201 and 1202 first,
	// and /proc shows the new program's four threads before their FORKs
	// are applied.
	f.procs[1200].threads = 4
	tb.applyAll(fakeClocks(910*ms), exitEvent(910*ms, 1201, 1200, 100), exitEvent(910*ms, 1202, 1200, 100),
		execEvent(911*ms, 1200), forkEvent(912*ms, 1200, 1203, 1200), forkEvent(912*ms, 1200, 1204, 1200),
		forkEvent(912*ms, 1200, 1205, 1200))
	if p, _ := tb.Lookup(1200); p.Threads != 4 {
		t.Fatalf("after EXEC: threads %d, want 4", p.Threads)
	}
	delete(f.procs, 1200)
	tb.applyAll(fakeClocks(920*ms), exitEvent(920*ms, 1200, 1200, 100), exitEvent(920*ms, 1203, 1200, 100),
		exitEvent(920*ms, 1204, 1200, 100), exitEvent(921*ms, 1205, 1200, 100))
	if p, _ := tb.Get(ProcID{1200, 90}); !p.Exited() {
		t.Fatalf("after its last thread: %+v", p)
	}
}

func TestReparentOnExit(t *testing.T) {
	tb, f := seeded(t, Config{})
	f.add(1100, 100, 80, "mid")
	f.add(1101, 1100, 81, "grandchild")
	tb.applyAll(fakeClocks(800*ms), forkEvent(800*ms, 100, 1100, 1100), forkEvent(810*ms, 1100, 1101, 1101))
	if p, _ := tb.Lookup(1101); p.Parent.PID != 1100 {
		t.Fatalf("grandchild parent %v", p.Parent)
	}
	delete(f.procs, 1100)
	f.procs[1101].ppid = 1 // what the kernel did before sending EXIT
	tb.applyAll(fakeClocks(900*ms), exitEvent(900*ms, 1100, 1100, 100))
	if p, _ := tb.Lookup(1101); p.Parent != (ProcID{1, 1}) {
		t.Fatalf("grandchild parent after reparent %v", p.Parent)
	}
}

func TestRescanReconciles(t *testing.T) {
	tb, f := seeded(t, Config{})
	var forks, exits int
	tb.OnFork(func(_, _ ProcID) { forks++ })
	tb.OnExit(func(ProcID) { exits++ })
	delete(f.procs, 100) // bash exited unseen
	f.add(1200, 1, 90, "new")
	tb.drainMu.Lock()
	if err := tb.rescan(false); err != nil {
		t.Fatal(err)
	}
	tb.drainMu.Unlock()
	if p, _ := tb.Get(ProcID{100, 50}); !p.Exited() || p.Flags&ExitInferred == 0 {
		t.Errorf("bash: %+v", p)
	}
	if p, ok := tb.Lookup(1200); !ok || p.Flags&ForkInferred == 0 || p.Parent != (ProcID{1, 1}) {
		t.Errorf("new: %+v %v", p, ok)
	}
	if forks != 1 || exits != 1 {
		t.Errorf("hooks: %d forks %d exits", forks, exits)
	}
}

func TestLineage(t *testing.T) {
	tb, f := seeded(t, Config{})
	initID, bash := ProcID{1, 1}, ProcID{100, 50}
	f.add(1300, 100, 130, "child")
	f.add(1301, 1300, 131, "grandchild")
	tb.applyAll(fakeClocks(1300*ms), forkEvent(1300*ms, 100, 1300, 1300), forkEvent(1310*ms, 1300, 1301, 1301))
	child, gc := ProcID{1300, 130}, ProcID{1301, 131}
	for _, tc := range []struct {
		p, a ProcID
		want bool
	}{
		{gc, child, true}, {gc, bash, true}, {gc, initID, true}, {child, gc, false}, {gc, gc, false}, {bash, child, false},
	} {
		if got := tb.IsDescendant(tc.p, tc.a); got != tc.want {
			t.Errorf("IsDescendant(%v, %v) = %v", tc.p, tc.a, got)
		}
	}
	if n := tb.NumChildren(bash); n != 1 {
		t.Errorf("bash has %d children", n)
	}
	if !tb.Alive(gc) || tb.Alive(ProcID{1301, 999}) {
		t.Error("Alive")
	}
	tb.applyAll(fakeClocks(1400*ms), forkEvent(1400*ms, 1301, 1302, 1301))
	if tb.IsSingleThreadedLeader(gc) || !tb.IsSingleThreadedLeader(child) {
		t.Error("IsSingleThreadedLeader")
	}
	delete(f.procs, 1301)
	tb.applyAll(fakeClocks(1500*ms), exitEvent(1500*ms, 1302, 1301, 0), exitEvent(1500*ms, 1301, 1301, 1300))
	if tb.Alive(gc) || tb.IsDescendant(gc, child) || tb.NumChildren(child) != 0 {
		t.Error("exited grandchild still counts")
	}
}

// With LazyExec an exec reads nothing: the process is flagged Stale
// and Refresh reads its new details on demand.
func TestLazyExec(t *testing.T) {
	f := newFakeProc()
	f.add(1, 0, 1, "init")
	tab := newFakeTable(Config{LazyExec: true}, f)
	if err := tab.rescan(true); err != nil {
		t.Fatal(err)
	}
	ms := int64(time.Millisecond)
	c := fakeClocks(200 * ms)
	f.add(100, 1, ticks(100*ms), "sh")
	reads := f.reads
	tab.applyAll(c, forkEvent(100*ms, 1, 100, 100))
	info := f.procs[100]
	info.comm, info.exe = []byte("true"), []byte("/usr/bin/true")
	tab.applyAll(c, execEvent(150*ms, 100))
	if f.reads != reads {
		t.Fatalf("fork and exec read /proc %d times with LazyExec", f.reads-reads)
	}
	// Named by the FORK's timestamp, the rest copied from the parent.
	p, ok := tab.Lookup(100)
	if !ok || p.Flags&Stale == 0 || p.Flags&StartEstimated == 0 || p.Comm != "init" || p.ID != (ProcID{100, ticks(100 * ms)}) {
		t.Fatalf("after a lazy fork and exec: %+v", p)
	}
	p, ok = tab.Refresh(100)
	if !ok || p.Flags&Stale != 0 || p.Comm != "true" || p.Exe != "/usr/bin/true" {
		t.Fatalf("Refresh: %+v", p)
	}
	// An estimate a tick late (the FORK sent just after a tick boundary)
	// is corrected by Exact, for the state file.
	f.add(101, 1, ticks(199*ms), "late")
	tab.applyAll(c, forkEvent(201*ms, 1, 101, 101))
	est := ProcID{101, ticks(201 * ms)}
	if got := tab.Exact(est); got != (ProcID{101, ticks(199 * ms)}) || !SameStart(est.StartTime, got.StartTime) {
		t.Fatalf("Exact(%v) = %v", est, got)
	}
	if !tab.Alive(est) {
		t.Fatal("the estimated identity is not alive")
	}
	// An exec of a process the table never saw is read at once.
	f.add(200, 1, ticks(160*ms), "x")
	tab.applyAll(c, execEvent(170*ms, 200))
	if p, ok := tab.Lookup(200); !ok || p.Flags&Stale != 0 {
		t.Fatalf("unknown process after exec: %+v %v", p, ok)
	}
}

// A FORK names a new process even when its estimated start falls within
// the slack of an older holder of the PID that has exited: both gone
// before /proc could be read, PID reused 10 ms later.
func TestForkAfterQuickPIDReuse(t *testing.T) {
	f := newFakeProc()
	f.add(1, 0, 1, "init")
	f.add(10, 1, 2, "sh")
	tab := newFakeTable(Config{LazyExec: true}, f)
	if err := tab.rescan(true); err != nil {
		t.Fatal(err)
	}
	ms := int64(time.Millisecond)
	c := fakeClocks(300 * ms)
	// Neither child is in /proc when its FORK is applied.
	tab.applyAll(c, forkEvent(200*ms, 10, 50, 50), exitEvent(201*ms, 50, 50, 10))
	tab.applyAll(c, forkEvent(211*ms, 1, 50, 50))
	old, ok1 := tab.Attribute(50, 10, wallAt(200*ms+500_000))
	cur, ok2 := tab.Attribute(50, 1, wallAt(212*ms))
	if !ok1 || !ok2 || old == cur {
		t.Fatalf("old holder %v (%v), new %v (%v): want two processes", old, ok1, cur, ok2)
	}
	if p, _ := tab.Get(cur); p.Parent.PID != 1 || p.Exited() {
		t.Fatalf("new holder %+v", p)
	}
}

// A child that exec'd before its FORK was applied must not get its
// parent's executable next to its own comm: the fork reads what it has.
func TestForkAfterExecReadsOwnExe(t *testing.T) {
	tb, f := seeded(t, Config{})
	child := f.add(701, 100, ticks(6_000*ms), "sleep")
	child.exe = []byte("/usr/bin/sleep")
	tb.applyAll(fakeClocks(6_000*ms), forkEvent(6_000*ms, 100, 701, 701))
	p, ok := tb.Lookup(701)
	if !ok || p.Comm != "sleep" || p.Exe != "/usr/bin/sleep" {
		t.Fatalf("exec'd child at its fork: %+v %v", p, ok)
	}
	// An un-exec'd child still copies the parent's instead of reading.
	f.add(702, 100, ticks(6_001*ms), "bash")
	reads := f.reads
	tb.applyAll(fakeClocks(6_001*ms), forkEvent(6_001*ms, 100, 702, 702))
	if p, _ := tb.Lookup(702); p.Exe != "/usr/bin/bash" || f.reads != reads+1 {
		t.Fatalf("plain fork: %+v, %d reads", p, f.reads-reads)
	}
}

// The clock offsets place a FORK's monotonic timestamp on the audit
// records' wall clock; a gap between the reads would shift every process's
// start for a second.
func TestReadOffsets(t *testing.T) {
	c := readOffsets()
	m := rawClock(unix.CLOCK_MONOTONIC)
	w := rawClock(unix.CLOCK_REALTIME)
	if d := m + c.monoToWall - w; d < -int64(time.Millisecond) || d > int64(time.Millisecond) {
		t.Errorf("monotonic + offset is %v off the wall clock", time.Duration(d))
	}
	if c.monoToWall-c.monoToBoot != c.bootToWall {
		t.Errorf("offsets disagree: %+v", c)
	}
}

// A virtual machine's coarse clock can lag: a process's record may be
// stamped before its own FORK. The process that forked just after is
// still the one, and no unknown-parent process is invented.
func TestLateCoarseClock(t *testing.T) {
	tb, f := seeded(t, Config{})
	// A held 900 long before and exited; B forked at 7.000s and made a
	// record stamped 18 ms earlier.
	a := live(tb, f, 900, 100, "a", 5_000*ms, 5_100*ms)
	b := live(tb, f, 900, 100, "b", 7_000*ms, 0)
	inferred := tb.Stats().InferredForks
	for _, ppid := range []int32{100, 0} {
		if got, ok := tb.Attribute(900, ppid, wallAt(6_982*ms)); !ok || got != b {
			t.Errorf("ppid %d: Attribute = %v %v, want B %v", ppid, got, ok, b)
		}
	}
	// Too early even for a late clock: A's time, and A is the answer.
	if got, _ := tb.Attribute(900, 100, wallAt(5_050*ms)); got != a {
		t.Errorf("A's record went to %v", got)
	}
	// A process that surely held the PID with the right parent wins over
	// a late one; a late one with the right parent wins over a holder
	// with another.
	c := live(tb, f, 901, 1, "c", 8_000*ms, 8_030*ms)
	d := live(tb, f, 901, 100, "d", 8_040*ms, 0)
	if got, _ := tb.Attribute(901, 1, wallAt(8_020*ms)); got != c {
		t.Errorf("C's record went to %v, want %v", got, c)
	}
	if got, _ := tb.Attribute(901, 100, wallAt(8_020*ms)); got != d {
		t.Errorf("D's early-stamped record went to %v, want %v", got, d)
	}
	if n := tb.Stats().InferredForks; n != inferred {
		t.Errorf("%d forks inferred for known processes", n-inferred)
	}
	// A live process whose FORK was missed, stamped before its start, is
	// read from /proc when its ppid agrees.
	f.add(902, 100, ticks(9_000*ms), "e")
	id, ok := tb.Attribute(902, 100, wallAt(8_982*ms))
	if p, _ := tb.Get(id); !ok || p.Comm != "e" || p.Flags&StartEstimated != 0 {
		t.Errorf("missed fork, late clock: %+v %v", p, ok)
	}
}

// A tag passes from parent to child as the FORK is applied, lazily or
// not, and to a child found only by a rescan; the hooks' Changes carry it;
// an exited entry keeps it for its late records until ClearTag.
func TestTags(t *testing.T) {
	for _, lazy := range []bool{false, true} {
		tb, f := seeded(t, Config{LazyExec: lazy})
		bash := ProcID{100, 50}
		if !tb.SetTag(bash, 7) || tb.Tag(bash) != 7 {
			t.Fatal("SetTag on the live bash")
		}
		if tb.SetTag(ProcID{100, 51}, 9) {
			t.Fatal("SetTag on an identity the table does not have")
		}
		var changes []Change
		tb.OnChanges(func(cs []Change) { changes = append(changes, cs...) })
		child := live(tb, f, 500, 100, "child", 2000*ms, 0)
		if got := tb.Tag(child); got != 7 {
			t.Fatalf("lazy %v: child's tag %d, want its parent's 7", lazy, got)
		}
		if id, tag, ok := tb.AttributeTag(500, 100, wallAt(2000*ms)); !ok || id != child || tag != 7 {
			t.Fatalf("AttributeTag = %v %d %v", id, tag, ok)
		}
		delete(f.procs, 500)
		tb.applyAll(fakeClocks(2100*ms), exitEvent(2100*ms, 500, 500, 100))
		if len(changes) != 2 || changes[0].Exit || changes[0].Tag != 7 || !changes[1].Exit || changes[1].Tag != 7 || changes[1].Proc != child {
			t.Fatalf("changes %+v", changes)
		}
		if tb.SetTag(child, 8) || tb.Tag(child) != 7 {
			t.Fatal("an exited process's tag changed, or was lost")
		}
		tb.ClearTag(child)
		if tb.Tag(child) != 0 {
			t.Fatal("ClearTag")
		}
		// A child whose FORK was missed, found by a rescan.
		f.add(501, 100, ticks(3000*ms), "missed")
		if err := tb.Rescan(); err != nil {
			t.Fatal(err)
		}
		if got := tb.Tag(ProcID{501, ticks(3000 * ms)}); got != 7 {
			t.Errorf("lazy %v: rescanned child's tag %d, want 7", lazy, got)
		}
		var tagged []ProcID
		tb.EachTagged(func(id ProcID, tag uint64) bool { tagged = append(tagged, id); return true })
		if !slices.Equal(tagged, []ProcID{bash, {501, ticks(3000 * ms)}}) {
			t.Errorf("EachTagged %v", tagged)
		}
	}
}

func ringEvent(e abi.ProcEvent, start int64) procbpf.Event {
	return procbpf.Event{ProcEvent: e, StartBoottime: uint64(start)}
}

// A process that forks and exits within one batch is entered exited, with
// its parent's tag, and reported to no hook; one that forks a child, or
// whose exit names another parent, or that lives on, is applied as usual.
func TestFoldShortLived(t *testing.T) {
	tb, _ := seeded(t, Config{LazyExec: true, FoldShortLived: true})
	bash := ProcID{100, 50}
	tb.SetTag(bash, 7)
	var changes []Change
	tb.OnChanges(func(cs []Change) { changes = append(changes, cs...) })
	ts := 2000 * ms
	evs := []procbpf.Event{
		ringEvent(forkEvent(ts, 100, 500, 500), ts),       // folded
		ringEvent(exitEvent(ts+ms, 500, 500, 100), ts),    //
		ringEvent(forkEvent(ts+2*ms, 100, 501, 501), ts),  // forks 502
		ringEvent(forkEvent(ts+3*ms, 501, 502, 502), ts),  // lives on
		ringEvent(exitEvent(ts+4*ms, 501, 501, 100), ts),  //
		ringEvent(forkEvent(ts+5*ms, 100, 503, 503), ts),  // exits reparented
		ringEvent(exitEvent(ts+6*ms, 503, 503, 1), ts),    //
		ringEvent(forkEvent(ts+7*ms, 100, 504, 504), ts),  // has a thread
		ringEvent(forkEvent(ts+8*ms, 504, 505, 504), ts),  //
		ringEvent(exitEvent(ts+9*ms, 505, 504, 100), ts),  //
		ringEvent(exitEvent(ts+10*ms, 504, 504, 100), ts), //
	}
	tb.drainMu.Lock()
	tb.applyBatch(evs, fakeClocks(ts+20*ms))
	tb.afterBatch(fakeClocks(ts + 20*ms))
	tb.drainMu.Unlock()
	start := ticks(ts)
	p, ok := tb.Get(ProcID{500, start})
	if !ok || !p.Exited() || p.Parent != bash || p.Flags&ExitInferred != 0 || tb.Tag(p.ID) != 7 {
		t.Fatalf("folded process %+v %v, tag %d", p, ok, tb.Tag(p.ID))
	}
	if id, tag, ok := tb.AttributeTag(500, 100, wallAt(ts)); !ok || id != p.ID || tag != 7 {
		t.Fatalf("record of the folded process: %v %d %v", id, tag, ok)
	}
	reported := map[int32]int{}
	for _, c := range changes {
		reported[c.Proc.PID]++
	}
	if reported[500] != 0 || reported[501] != 2 || reported[502] != 1 || reported[503] != 2 || reported[504] != 2 {
		t.Errorf("hooks heard %v; want nothing of 500, fork and exit of 501, 503, 504, the fork of 502", reported)
	}
	if s := tb.Stats(); s.Folded != 1 || s.Forks != 5 || s.Exits != 4 {
		t.Errorf("stats %+v", s)
	}
	if p, _ := tb.Lookup(502); p.Parent.PID != 501 {
		t.Errorf("grandchild %+v", p)
	}
}

// With forks held back a batch (BPF's events and FoldShortLived), a
// process whose fork and exit straddle two batches is reported to no
// hook; a held fork is reported at the next batch, before any exit, or
// at once by a settle.
func TestHeldForks(t *testing.T) {
	tb, _ := seeded(t, Config{LazyExec: true, FoldShortLived: true})
	tb.hold = true
	tb.SetTag(ProcID{100, 50}, 7)
	var heard []string
	tb.OnChanges(func(cs []Change) {
		for _, c := range cs {
			heard = append(heard, fmt.Sprintf("%v %d tag %d", map[bool]string{false: "fork", true: "exit"}[c.Exit], c.Proc.PID, c.Tag))
		}
	})
	ts := 2000 * ms
	batch := func(evs ...abi.ProcEvent) {
		t.Helper()
		ts += 10 * ms
		rev := make([]procbpf.Event, len(evs))
		for i, e := range evs {
			rev[i] = ringEvent(e, ts)
		}
		tb.drainMu.Lock()
		defer tb.drainMu.Unlock()
		tb.applyBatch(rev, fakeClocks(ts))
		tb.afterBatch(fakeClocks(ts))
	}
	batch(forkEvent(ts, 100, 600, 600), forkEvent(ts, 100, 601, 601), forkEvent(ts, 100, 602, 602))
	if len(heard) != 0 {
		t.Fatalf("forks reported in their own batch: %v", heard)
	}
	// 600 exits in the next batch: its fork and exit cancel out. The
	// others' forks are reported, and 603's is held.
	batch(exitEvent(ts, 600, 600, 100), forkEvent(ts, 100, 603, 603))
	// 601's exit must come after 603's fork: 603 holds the tag too.
	batch(exitEvent(ts, 601, 601, 100))
	batch(forkEvent(ts, 100, 604, 604))
	tb.drainMu.Lock()
	tb.releaseAll()
	tb.drainMu.Unlock()
	want := []string{"fork 601 tag 7", "fork 602 tag 7", "fork 603 tag 7", "exit 601 tag 7", "fork 604 tag 7"}
	if !slices.Equal(heard, want) {
		t.Errorf("hooks heard\n%v\nwant\n%v", heard, want)
	}
	if p, ok := tb.Get(ProcID{600, ticks(ts - 30*ms)}); !ok || !p.Exited() {
		t.Errorf("cancelled process not kept exited: %+v %v", p, ok)
	}
	if s := tb.Stats(); s.Folded != 1 || s.Forks != 5 || s.Exits != 2 {
		t.Errorf("stats %+v", s)
	}
}
