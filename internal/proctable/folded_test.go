package proctable

import (
	"testing"
	"time"
	"unsafe"

	"github.com/contaudit/contaudit/internal/procbpf"
)

// The fold log finds a PID's records newest first, forgets from the front
// without touching the index, and keeps finding them across compactions
// and the wrap of its record numbers.
func TestFoldLog(t *testing.T) {
	for _, base := range []uint32{0, 1<<32 - 100} {
		var l foldLog
		l.base = base
		l.add(foldedProc{id: ProcID{450, 0}})
		for i := range 1000 {
			pid := int32(500 + i%300) // each PID folded three or four times
			l.add(foldedProc{id: ProcID{pid, uint64(i)}, startNs: int64(i), exitNs: int64(i) + 1})
		}
		var got []uint64
		l.each(510, func(r *foldedProc) bool { got = append(got, r.id.StartTime); return true })
		if len(got) != 4 || got[0] != 910 || got[3] != 10 {
			t.Fatalf("base %d: records of 510 %v", base, got)
		}
		l.prune(func(r *foldedProc, kept int) bool { return r.exitNs < 700 })
		if l.len() != 301 {
			t.Fatalf("base %d: %d kept after prune", base, l.len())
		}
		got = got[:0]
		l.each(510, func(r *foldedProc) bool { got = append(got, r.id.StartTime); return true })
		if len(got) != 1 || got[0] != 910 {
			t.Fatalf("base %d: records of 510 after prune %v", base, got)
		}
		if l.find(ProcID{510, 610}) != nil || l.find(ProcID{510, 910}) == nil || l.find(ProcID{1 << pidBits, 0}) != nil {
			t.Fatalf("base %d: find", base)
		}
		// A PID whose last record is gone, folded again.
		l.add(foldedProc{id: ProcID{450, 5000}, startNs: 5000, exitNs: 5001})
		got = got[:0]
		l.each(450, func(r *foldedProc) bool { got = append(got, r.id.StartTime); return true })
		if len(got) != 1 || got[0] != 5000 {
			t.Fatalf("base %d: records of 450 %v", base, got)
		}
		l.prune(func(*foldedProc, int) bool { return true })
		if l.len() != 0 || l.find(ProcID{450, 5000}) != nil {
			t.Fatalf("base %d: %d kept after pruning all", base, l.len())
		}
	}
}

// A record is attributed to whichever held its PID at its time, a folded
// process or an entry, and the folded process keeps the tag its parent had
// at the fork. Release forgets folded processes as it forgets entries.
func TestFoldedAttribution(t *testing.T) {
	tb, f := seeded(t, Config{LazyExec: true, FoldShortLived: true, RetainExited: 1, Retention: time.Hour})
	bash := ProcID{100, 50}
	tb.SetTag(bash, 7)
	ts := 2000 * ms
	batch := func(evs ...procbpf.Event) {
		t.Helper()
		tb.drainMu.Lock()
		defer tb.drainMu.Unlock()
		tb.applyBatch(evs, fakeClocks(ts))
		tb.afterBatch(fakeClocks(ts))
	}
	// 500 folded with tag 7; bash's tag then changes; 500 is reused by
	// a process that lives on, and folded once more after it exits.
	batch(ringEvent(forkEvent(ts, 100, 500, 500), ts), ringEvent(exitEvent(ts+ms, 500, 500, 100), ts))
	tb.SetTag(bash, 8)
	ts += 200 * ms
	f.add(500, 100, ticks(ts), "sleep")
	batch(ringEvent(forkEvent(ts, 100, 500, 500), ts))
	ts += 200 * ms
	batch(ringEvent(exitEvent(ts, 500, 500, 100), ts))
	ts += 200 * ms
	batch(ringEvent(forkEvent(ts, 100, 500, 500), ts), ringEvent(exitEvent(ts+ms, 500, 500, 100), ts))
	for _, c := range []struct {
		at      int64
		start   uint64
		tag     uint64
		comment string
	}{
		{2000 * ms, ticks(2000 * ms), 7, "first folded"},
		{2300 * ms, ticks(2200 * ms), 8, "entry"},
		{2600 * ms, ticks(2600 * ms), 8, "second folded"},
	} {
		id, tag, ok := tb.AttributeTag(500, 100, wallAt(c.at))
		if !ok || id != (ProcID{500, c.start}) || tag != c.tag {
			t.Errorf("%s: %v tag %d %v", c.comment, id, tag, ok)
		}
	}
	// Without ppid (a signal's target), as the kernel's OBJ_PID.
	if id, _, ok := tb.AttributeTag(500, 0, wallAt(2000*ms)); !ok || id != (ProcID{500, ticks(2000 * ms)}) {
		t.Errorf("target of a signal: %v %v", id, ok)
	}
	if p, ok := tb.Get(ProcID{500, ticks(2000 * ms)}); !ok || !p.Exited() || p.Parent != bash || p.Comm != "bash" {
		t.Errorf("folded process %+v %v", p, ok)
	}
	if s := tb.Stats(); s.Folded != 2 || s.RetainedExited != 3 {
		t.Errorf("stats %+v", s)
	}
	tb.Release(wallAt(2600*ms + time.Second.Nanoseconds()))
	batch()
	if s := tb.Stats(); s.RetainedExited != 1 {
		t.Errorf("after release: %d retained, want the last folded", s.RetainedExited)
	}
	if _, ok := tb.Get(ProcID{500, ticks(2000 * ms)}); ok {
		t.Error("released folded process still kept")
	}
}

// A folded process costs its 64-byte record (docs/proctable.md), under
// a third of an entry.
func TestFoldedProcSize(t *testing.T) {
	if r, p := unsafe.Sizeof(foldedProc{}), unsafe.Sizeof(proc{}); r != 64 || 3*r > p {
		t.Errorf("foldedProc is %d bytes, proc %d", r, p)
	}
}
