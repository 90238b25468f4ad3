package proctable

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/contaudit/contaudit/internal/procbpf"
)

// bigTable builds n processes, children of bash, each started at its own
// millisecond, with every tenth PID used three times (PID reuse).
func bigTable(tb testing.TB, n int) (*Table, *fakeProc) {
	f := newFakeProc()
	f.add(1, 0, 1, "init")
	f.add(100, 1, 50, "bash")
	t := newFakeTable(Config{RetainExited: 1 << 30, Retention: time.Hour}, f)
	t.drainMu.Lock()
	if err := t.rescan(true); err != nil {
		tb.Fatal(err)
	}
	t.drainMu.Unlock()
	ts := int64(1_000 * ms)
	for i := 0; i < n; i++ {
		pid := int32(1000 + i)
		reuse := 1
		if i%10 == 0 {
			reuse = 3
		}
		for r := 0; r < reuse; r++ {
			ts += 20 * ms
			info := f.add(pid, 100, ticks(ts), "worker")
			info.nspid = nil
			fork := forkEvent(ts, 100, pid, pid)
			t.applyAll(fakeClocks(ts), fork)
			if r < reuse-1 {
				delete(f.procs, pid)
				exit := exitEvent(ts+ms, pid, pid, 100)
				t.applyAll(fakeClocks(ts+ms), exit)
			}
		}
	}
	return t, f
}

func BenchmarkAttribute(b *testing.B) {
	t, _ := bigTable(b, 10000)
	// Records of the oldest holder of a reused PID: the slowest path
	// short of inference.
	at := wallAt(1_000*ms + 25*ms)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, ok := t.Attribute(1000, 100, at); !ok {
			b.Fatal("not attributed")
		}
	}
}

func BenchmarkAttributeNow(b *testing.B) {
	t, _ := bigTable(b, 10000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := t.Attribute(int32(1001+i%9000), 100, time.Time{}); !ok {
			b.Fatal("not attributed")
		}
	}
}

func BenchmarkAttributeParallel(b *testing.B) {
	t, _ := bigTable(b, 10000)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			t.Attribute(int32(1001+i%9000), 100, time.Time{})
			i++
		}
	})
}

// BenchmarkApplyForkExecExit applies one process's FORK, EXEC and EXIT
// with a fake /proc: the table's own cost per short-lived process,
// pruning included.
func BenchmarkApplyForkExecExit(b *testing.B) {
	f := newFakeProc()
	f.add(1, 0, 1, "init")
	f.add(100, 1, 50, "bash")
	t := newFakeTable(Config{RetainExited: 1024, Retention: time.Millisecond}, f)
	t.drainMu.Lock()
	_ = t.rescan(true)
	t.drainMu.Unlock()
	ts := int64(1_000 * ms)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ts += 11 * ms
		pid := int32(1000 + i%30000)
		f.add(pid, 100, ticks(ts), "true")
		c := fakeClocks(ts)
		fork, exec, exit := forkEvent(ts, 100, pid, pid), execEvent(ts+ms, pid), exitEvent(ts+2*ms, pid, pid, 100)
		t.drainMu.Lock()
		t.apply(&fork, 0, c)
		t.apply(&exec, 0, c)
		delete(f.procs, pid)
		t.apply(&exit, 0, c)
		t.afterBatch(c)
		t.drainMu.Unlock()
	}
	b.ReportMetric(3, "events/op")
}

// BenchmarkApplyFolded is what the daemon's Sync costs per exec of the
// exec storm, run hot: BPF's FORK and EXIT of a short-lived child (folded:
// entered exited at once), fifteen children a drain, then the pruning of
// the children the audit stream passed a second before, as the daemon
// releases them. In the daemon the same work costs several times more:
// each drain finds the table and the ring cold (bench/README.md).
func BenchmarkApplyFolded(b *testing.B) {
	f := newFakeProc()
	f.add(1, 0, 1, "init")
	f.add(100, 1, 50, "bash")
	t := newFakeTable(Config{RetainExited: 1024, Retention: time.Minute, LazyExec: true, FoldShortLived: true}, f)
	t.drainMu.Lock()
	_ = t.rescan(true)
	t.drainMu.Unlock()
	const perDrain = 15
	ts := int64(1_000 * ms)
	pid := int32(1000)
	evs := make([]procbpf.Event, 0, 2*perDrain)
	b.ReportAllocs()
	for b.Loop() {
		if len(evs) == cap(evs) {
			c := fakeClocks(ts)
			t.drainMu.Lock()
			t.applyBatch(evs, c)
			t.Release(time.Unix(0, c.wallNow))
			t.afterBatch(c)
			t.drainMu.Unlock()
			evs = evs[:0]
		}
		ts += 700 * int64(time.Microsecond) // the storm's pace here
		if pid++; pid > 30000 {
			pid = 1000
		}
		evs = append(evs, ringEvent(forkEvent(ts, 100, pid, pid), ts), ringEvent(exitEvent(ts+300*int64(time.Microsecond), pid, pid, 100), ts))
	}
	if s := t.Stats(); s.Folded == 0 {
		b.Fatal("nothing folded")
	}
}

// BenchmarkProcRead is the /proc cost the event loop pays per FORK and
// EXEC (and per process in a rescan).
func BenchmarkProcRead(b *testing.B) { benchProcRead(b, readAll) }

// BenchmarkProcReadFork is the /proc cost per FORK when the child is in
// its parent's PID namespace: stat and status only.
func BenchmarkProcReadFork(b *testing.B) { benchProcRead(b, readStatus) }

func benchProcRead(b *testing.B, parts readParts) {
	r, err := newProcReader("/proc")
	if err != nil {
		b.Fatal(err)
	}
	defer r.close()
	var info procInfo
	pid := int32(os.Getpid())
	b.ReportAllocs()
	for b.Loop() {
		if err := r.read(pid, &info, 0, 0, parts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSyncIdle is what the daemon pays before each batch of records
// when no process event is queued.
func BenchmarkSyncIdle(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	t, err := Open(Config{})
	if err != nil {
		b.Skip(err)
	}
	defer t.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := t.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}

// heapPerProcess measures the table's heap per tracked process: n live
// processes in one cgroup and namespace set, as on a busy host.
func heapPerProcess(n int) float64 {
	f := newFakeProc()
	f.add(1, 0, 1, "init")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t := newFakeTable(Config{}, f)
	ts := int64(1_000 * ms)
	t.drainMu.Lock()
	for i := 0; i < n; i++ {
		pid := int32(1000 + i)
		ts += 11 * ms
		f.procs[pid] = &procInfo{pid: pid, ppid: 1, tgid: pid, start: ticks(ts), state: 'S', threads: 1, ns: fakeNS,
			comm: []byte("worker"), exe: []byte("/usr/bin/worker"), cgroup: []byte("/system.slice/worker.service")}
		ev := forkEvent(ts, 1, pid, pid)
		t.apply(&ev, 0, fakeClocks(ts))
		delete(f.procs, pid) // the fake's copy is not the table's cost
	}
	// A drain hands its forks to the hooks and drops them: the queue is
	// not the table's cost either.
	t.flushHooks()
	t.pending, t.spare = nil, nil
	t.drainMu.Unlock()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(t)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

func TestMemoryPerProcess(t *testing.T) {
	per := heapPerProcess(100000)
	t.Logf("%.0f bytes of heap per tracked process (100000 live)", per)
	if per > 512 {
		t.Errorf("%.0f bytes per process, budget 512", per)
	}
}

func BenchmarkMemoryPerProcess(b *testing.B) {
	var per float64
	for b.Loop() {
		per = heapPerProcess(100000)
	}
	b.ReportMetric(per, "bytes/proc")
}
