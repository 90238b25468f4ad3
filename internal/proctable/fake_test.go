package proctable

import (
	"encoding/binary"
	"sort"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

// fakeProc is a /proc that tests edit: processes present in procs exist.
type fakeProc struct {
	procs map[int32]*procInfo
	reads int
}

func newFakeProc() *fakeProc { return &fakeProc{procs: map[int32]*procInfo{}} }

func (f *fakeProc) read(pid int32, info *procInfo, wantStart, slack uint64, parts readParts) error {
	f.reads++
	p, ok := f.procs[pid]
	if !ok {
		return errGone
	}
	if wantStart != 0 && (p.start+slack < wantStart || p.start > wantStart+1) {
		return errGone
	}
	info.pid, info.ppid, info.start, info.state, info.comm, info.threads = p.pid, p.ppid, p.start, p.state, p.comm, p.threads
	if parts&readStatus != 0 {
		info.tgid, info.uid, info.euid, info.gid, info.egid, info.nspid = p.tgid, p.uid, p.euid, p.gid, p.egid, p.nspid
	}
	if parts&readRest != 0 {
		info.ns, info.cgroup, info.exe, info.loginuid, info.sessid = p.ns, p.cgroup, p.exe, p.loginuid, p.sessid
	}
	info.parts |= parts
	return nil
}

func (f *fakeProc) list(pids []int32) ([]int32, error) {
	for pid := range f.procs {
		pids = append(pids, pid)
	}
	sort.Slice(pids, func(i, j int) bool { return pids[i] < pids[j] })
	return pids, nil
}

var fakeNS = Namespaces{Mnt: NSID{1, 10}, PID: NSID{1, 11}, Net: NSID{1, 12}, User: NSID{1, 13}}

func (f *fakeProc) add(pid, ppid int32, start uint64, comm string) *procInfo {
	p := &procInfo{pid: pid, ppid: ppid, tgid: pid, start: start, state: 'S', threads: 1, ns: fakeNS,
		comm: []byte(comm), exe: []byte("/usr/bin/" + comm), cgroup: []byte("/system.slice/x.service"),
		loginuid: 1000, sessid: 3}
	f.procs[pid] = p
	return p
}

// fakeClocks: boot at wall time base, monotonic == boottime, so an event
// at mono ns m is at wall base+m and in tick m/tickNs.
var fakeBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

func fakeClocks(nowMono int64) clocks {
	return clocks{monoToWall: fakeBase, bootToWall: fakeBase, wallNow: fakeBase + nowMono}
}

func wallAt(mono int64) time.Time { return time.Unix(0, fakeBase+mono) }

func ticks(mono int64) uint64 { return uint64(mono / tickNs) }

func newFakeTable(cfg Config, f *fakeProc) *Table {
	t := newTable(cfg, f, f)
	t.clock = func() clocks { return fakeClocks(100_000 * int64(time.Millisecond)) }
	return t
}

func forkEvent(ts int64, ppid, pid, tgid int32) abi.ProcEvent {
	e := abi.ProcEvent{ProcEventHeader: abi.ProcEventHeader{What: abi.PROC_EVENT_FORK, TimestampNs: uint64(ts)}}
	put(&e, ppid, ppid, pid, tgid)
	return e
}

func exitEvent(ts int64, pid, tgid, ppid int32) abi.ProcEvent {
	e := abi.ProcEvent{ProcEventHeader: abi.ProcEventHeader{What: abi.PROC_EVENT_EXIT, TimestampNs: uint64(ts)}}
	put(&e, pid, tgid, 0, 17, ppid, ppid)
	return e
}

func execEvent(ts int64, pid int32) abi.ProcEvent {
	e := abi.ProcEvent{ProcEventHeader: abi.ProcEventHeader{What: abi.PROC_EVENT_EXEC, TimestampNs: uint64(ts)}}
	put(&e, pid, pid)
	return e
}

func put[T int32 | uint32](e *abi.ProcEvent, w ...T) {
	for i, v := range w {
		binary.NativeEndian.PutUint32(e.Data[i*4:], uint32(v))
	}
}

// applyAll applies events as one drained batch would.
func (t *Table) applyAll(c clocks, evs ...abi.ProcEvent) {
	t.drainMu.Lock()
	defer t.drainMu.Unlock()
	for i := range evs {
		t.apply(&evs[i], 0, c)
	}
	t.afterBatch(c)
}
