package proctable

import (
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

// apply applies one connector event. start is the task's start time in
// ticks when the event carries it (BPF's do), 0 when not. Called with
// drainMu held; /proc is read before taking the table lock so readers
// never wait on procfs.
func (t *Table) apply(ev *abi.ProcEvent, start uint64, c clocks) {
	t.n.events.Add(1)
	switch ev.What {
	case abi.PROC_EVENT_FORK:
		t.applyFork(ev, start, c)
	case abi.PROC_EVENT_EXEC:
		t.applyExec(ev, c)
	case abi.PROC_EVENT_EXIT:
		t.applyExit(ev, c)
	case abi.PROC_EVENT_UID, abi.PROC_EVENT_GID:
		id := ev.ID()
		t.mu.Lock()
		if p := t.liveByPID(id.ProcessTGID); p != nil {
			if ev.What == abi.PROC_EVENT_UID {
				p.uid, p.euid = id.R, id.E
			} else {
				p.gid, p.egid = id.R, id.E
			}
		}
		t.mu.Unlock()
	case abi.PROC_EVENT_COMM:
		cm := ev.Comm()
		if cm.ProcessPID != cm.ProcessTGID {
			return // a thread's name; the process's comm is its leader's
		}
		n := 0
		for n < len(cm.Comm) && cm.Comm[n] != 0 {
			n++
		}
		t.mu.Lock()
		if p := t.liveByPID(cm.ProcessTGID); p != nil {
			p.comm = t.intern(cm.Comm[:n])
		}
		t.mu.Unlock()
	}
}

func (t *Table) applyFork(ev *abi.ProcEvent, start uint64, c clocks) {
	f := ev.Fork()
	if f.ChildPID != f.ChildTGID {
		t.n.threadForks.Add(1)
		t.mu.Lock()
		if p := t.liveByPID(f.ChildTGID); p != nil {
			p.threads++
		}
		t.mu.Unlock()
		return
	}
	t.n.forks.Add(1)
	est, estimated := start, false
	if est == 0 {
		est, estimated = c.ticksAt(ev.TimestampNs), true
	}
	if t.cfg.LazyExec && t.forkLazily(f, est, estimated, ev.TimestampNs, c) {
		return
	}
	// A child inherits exe, loginuid, sessionid, cgroup and namespaces:
	// copy them from the parent rather than pay 17 more syscalls per
	// fork, unless NSpid shows a new PID namespace (clone with
	// CLONE_NEWPID, usually with other namespaces) or the parent is
	// unknown. exec re-reads everything.
	t.info = procInfo{}
	err := t.src.read(f.ChildPID, &t.info, est, startSlack, readStatus)
	if err == nil {
		t.mu.RLock()
		par := t.liveByPID(f.ParentTGID)
		// A comm other than the parent's means the child has exec'd
		// (or renamed itself) before its FORK reached us: what it
		// inherited is gone, so its own exe and the rest are read.
		needRest := par == nil || par.ns == nil || len(par.nspid) != len(t.info.nspid) || string(t.info.comm) != par.comm
		t.mu.RUnlock()
		if needRest {
			err = t.src.read(f.ChildPID, &t.info, t.info.start, 0, readRest)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var p *proc
	created := false
	// A FORK names a new process: an entry it matches that has exited
	// (only an estimated start matches loosely) is an older holder of
	// the PID, reused within the estimate's slack, and must not be taken
	// for the child. The old one's EXIT always comes first.
	if err == nil {
		if q := t.find(ProcID{t.info.pid, t.info.start}); q != nil && q.exited() {
			p, created = t.create(&t.info, c, ForkSeen, t.liveByPID(f.ParentTGID)), true
		} else {
			p, created = t.upsert(&t.info, c, ForkSeen, t.liveByPID(f.ParentTGID))
		}
	} else {
		id := ProcID{f.ChildPID, est}
		if p = t.find(id); p == nil || p.exited() {
			// Gone (or its PID already reused) before we could read it:
			// a child starts as a copy of its parent, exec aside.
			p = t.alloc()
			p.id, p.tgid, p.threads, p.flags = id, f.ChildPID, 1, ForkSeen
			if estimated {
				p.flags |= StartEstimated
			}
			if par := t.liveByPID(f.ParentTGID); par != nil {
				p.copyFrom(par)
			}
			t.insert(p, c)
			created = true
			t.n.estimatedStarts.Add(1)
		}
	}
	if created {
		p.startNs = int64(ev.TimestampNs) + c.monoToWall
		// A forked process has one thread. /proc, read later, may show
		// more, whose FORK events are still queued: counting both would
		// keep the process live after its last thread exits.
		p.threads = 1
	}
	t.linkParent(p, f.ParentTGID)
	if created || p.flags&(ForkSeen|ForkInferred) == 0 {
		t.pending = append(t.pending, forkChange(p))
	}
	p.flags |= ForkSeen
}

// forkLazily applies the FORK of a known parent without reading /proc
// (Config.LazyExec): the child is named by the event's start time, or its
// timestamp (StartEstimated; see Exact), and is a Stale copy of its
// parent. Under an exec storm this is most of what following processes
// costs, so it takes the lock once and looks each PID up once. It reports
// false, having done nothing, when the parent is unknown, which needs the
// reads.
func (t *Table) forkLazily(f abi.ForkProcEvent, start uint64, estimated bool, ts uint64, c clocks) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	par, head, p := t.lazyFork(f, start)
	if par == nil {
		return false
	}
	id := ProcID{f.ChildPID, start}
	created := false
	// An exited entry it matches is an older holder of the PID (see
	// applyFork): the child is new.
	if p == nil || p.exited() {
		p = t.alloc()
		p.id, p.tgid, p.threads, p.flags, p.startNs = id, f.ChildTGID, 1, ForkSeen|Stale, int64(ts)+c.monoToWall
		if estimated {
			p.flags |= StartEstimated
		}
		p.copyFrom(par)
		t.insertAt(p, head, c)
		created = true
	}
	if p.parentP != par {
		p.detach()
		p.parent = par.id
		par.addChild(p)
	}
	if created || p.flags&(ForkSeen|ForkInferred) == 0 {
		t.pending = append(t.pending, forkChange(p))
	}
	p.flags |= ForkSeen
	return true
}

// lazyFork looks up, under t.mu, what a FORK applied without /proc needs:
// the parent (nil when unknown or never read, which needs the reads), the
// chain of the child's PID, and the entry already there for the child.
func (t *Table) lazyFork(f abi.ForkProcEvent, start uint64) (par, head, known *proc) {
	if par = t.liveByPID(f.ParentTGID); par == nil || par.ns == nil {
		return nil, nil, nil
	}
	head = t.byPID.get(f.ChildPID)
	return par, head, findIn(head, ProcID{f.ChildPID, start})
}

func (t *Table) applyExec(ev *abi.ProcEvent, c clocks) {
	e := ev.Exec()
	t.n.execs.Add(1)
	pid := e.ProcessTGID
	if t.cfg.LazyExec && t.execLazily(pid) {
		return
	}
	t.mu.RLock()
	var want, slack uint64
	if p := t.byPID.get(pid); p != nil {
		want = p.id.StartTime
		if p.flags&StartEstimated != 0 {
			slack = startSlack
		}
	}
	t.mu.RUnlock()
	// Namespaces and cgroup are read again too: a container runtime's
	// child unshares, joins namespaces and moves cgroup (none of which
	// the connector reports) and then execs the container's process.
	t.info = procInfo{}
	if err := t.src.read(pid, &t.info, want, slack, readAll); err != nil {
		return // exited already; its EXIT follows
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p, created := t.upsert(&t.info, c, ForkInferred, nil)
	if created {
		// Its FORK never reached us (lost, or before the socket opened).
		p.threads = 1
		t.n.inferredForks.Add(1)
		t.linkParent(p, t.info.ppid)
		inheritTag(p)
		t.pending = append(t.pending, forkChange(p))
		return
	}
	p.flags &^= leaderGone
	// exec leaves one thread (de_thread ended the others, and their
	// EXITs came first); /proc may already show threads the new program
	// started, whose FORK events follow and count them.
	p.threads = 1
	if p.exited() {
		// A non-leader thread's exec looks like the leader's exit
		// followed by an exec under the leader's PID: same process.
		p.flags &^= Exited | ExitInferred
		p.exitNs = 0
		t.live++
	}
}

// execLazily flags a known process's details Stale instead of reading
// them; it reports false when the process is unknown, which needs a read.
func (t *Table) execLazily(pid int32) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.byPID.get(pid)
	if p == nil || (p.exited() && p.flags&leaderGone == 0) {
		return false
	}
	p.flags |= Stale
	p.threads = 1 // what exec leaves (see applyExec)
	if p.exited() {
		// A non-leader thread's exec after the leader's exit: the same
		// process goes on under the leader's PID.
		p.flags &^= Exited | ExitInferred
		p.exitNs = 0
		t.live++
	}
	p.flags &^= leaderGone
	return true
}

func (t *Table) applyExit(ev *abi.ProcEvent, c clocks) {
	x := ev.Exit()
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.liveByPID(x.ProcessTGID)
	if x.ProcessPID != x.ProcessTGID {
		t.n.threadExits.Add(1)
		if p == nil {
			return
		}
		p.threads--
		if p.flags&leaderGone != 0 && p.threads <= 0 {
			t.markExited(p, int64(ev.TimestampNs)+c.monoToWall, 0)
		} else if p.threads < 1 && p.flags&leaderGone == 0 {
			p.threads = 1 // missed thread forks; the leader still runs
		}
		return
	}
	t.n.exits.Add(1)
	if p == nil {
		t.n.unknownExits.Add(1)
		return
	}
	// The event names the parent after the exiting task's own
	// reparenting, which nothing else reports; 0 when the parent reaped
	// the task before the event was built (pid_alive() false).
	if x.ParentTGID > 0 && x.ParentTGID != p.parent.PID {
		t.linkParent(p, x.ParentTGID)
	}
	p.threads--
	if p.threads > 0 {
		// exit_group kills the other threads too; their exits follow.
		// A leader that called pthread_exit leaves the process running.
		p.flags |= leaderGone
		return
	}
	p.threads = 0
	t.markExited(p, int64(ev.TimestampNs)+c.monoToWall, 0)
}

// afterBatch re-reads the parent of children whose parent exited (the
// kernel reparents them in exit_notify), prunes, and runs hooks. Called
// with drainMu held.
//
// The connector sends EXIT after exit_notify, so one read finds the new
// parent. BPF's EXIT comes from sched_process_exit, which fires before it
// (the exiting task still closes its files and drops its memory first):
// a child that still names the exiting parent is read again at the next
// drain, for up to reparentWait.
func (t *Table) afterBatch(c clocks) {
	t.mu.Lock()
	kids := t.reparent
	if len(kids) > 0 {
		t.reparent = t.reparentSpare[:0]
		t.mu.Unlock()
		t.readReparented(kids, c)
		t.mu.Lock()
	}
	// One lock for the rest: taken cold, it costs more than pruning a
	// drain's worth of exits.
	t.prune(c.wallNow)
	evs := t.takePending()
	t.mu.Unlock()
	t.runPending(evs)
}

// readReparented reads the parent of each child whose parent exited,
// keeping those the kernel has not reparented yet for the next drain.
func (t *Table) readReparented(kids []reparenting, c clocks) {
	for _, k := range kids {
		t.info = procInfo{}
		if t.src.read(k.id.PID, &t.info, k.id.StartTime, startSlack, 0) != nil {
			continue
		}
		t.mu.Lock()
		if p := t.find(k.id); p != nil && !p.exited() {
			if par := p.parentP; par != nil && par.exited() && par.id.PID == t.info.ppid && c.wallNow-k.since < int64(reparentWait) {
				t.reparent = append(t.reparent, k)
			} else {
				t.linkParent(p, t.info.ppid)
			}
		}
		t.mu.Unlock()
	}
	t.reparentSpare = kids
}

// reparentWait bounds how long a child is read again while the kernel has
// not yet reparented it from its exited parent (see afterBatch).
const reparentWait = 5 * time.Second

// rescan walks /proc and reconciles: processes not known are added (their
// fork was missed), known ones refreshed (parent, threads, comm ...), and
// live ones no longer in /proc marked exited. seed marks the first walk,
// whose processes are not news to the hooks. Called with drainMu held.
func (t *Table) rescan(seed bool) error {
	c := t.clock()
	pids, err := t.src.list(nil)
	if err != nil {
		return err
	}
	type link struct {
		p       *proc
		ppid    int32
		created bool
	}
	links := make([]link, 0, len(pids))
	seen := make(map[*proc]struct{}, len(pids))
	flags := ForkInferred
	if seed {
		flags = Seeded
	}
	for _, pid := range pids {
		t.info = procInfo{}
		if t.src.read(pid, &t.info, 0, 0, readAll) != nil {
			continue // exited meanwhile
		}
		t.mu.Lock()
		p, created := t.upsert(&t.info, c, flags, nil)
		seen[p] = struct{}{}
		if t.info.dead() {
			t.markExited(p, c.wallNow, ExitInferred)
		} else if p.exited() && p.flags&ExitInferred != 0 {
			// Wrongly taken for gone (an exec by a non-leader thread).
			// An exit the kernel reported is final: a task that has
			// exited but not yet been released may still read as running.
			p.flags &^= Exited | ExitInferred
			p.exitNs = 0
			t.live++
		}
		links = append(links, link{p, t.info.ppid, created})
		t.mu.Unlock()
	}
	t.mu.Lock()
	for _, l := range links {
		t.linkParent(l.p, l.ppid)
		if l.created && !seed {
			t.n.inferredForks.Add(1)
			inheritTag(l.p)
			t.pending = append(t.pending, forkChange(l.p))
		}
	}
	t.byPID.each(func(p *proc) bool {
		if _, ok := seen[p]; !ok && !p.exited() && p.startNs < c.wallNow {
			t.markExited(p, c.wallNow, ExitInferred)
		}
		return true
	})
	t.reparent = t.reparent[:0] // linkParent above used fresh ppids
	t.mu.Unlock()
	if !seed {
		t.n.rescans.Add(1)
	}
	t.afterBatch(c)
	return nil
}
