package proctable

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/procbpf"
	"golang.org/x/sys/unix"
)

// tickNs is one clock tick of /proc/PID/stat times: USER_HZ is 100 on
// every Linux architecture, whatever CONFIG_HZ is.
const tickNs = int64(time.Second / 100)

// startSlack is how many ticks /proc's start time may precede the tick of
// the FORK event's timestamp: start_boottime is taken in copy_process a
// few microseconds before the event is sent, which crosses a tick
// boundary now and then; more than that means a different process.
const startSlack = 2

// skewNs absorbs audit's millisecond stamps and the microseconds between
// reading the three clocks.
const skewNs = int64(time.Millisecond)

// coarseSkewNs is how far an audit stamp may lie before the event it
// follows: the kernel stamps records with the coarse real-time clock,
// updated once per jiffy (10 ms at HZ=100, the slowest), while the proc
// connector's timestamps are precise. A process that forks and execs
// within one jiffy has an exec record stamped before its own start.
const coarseSkewNs = int64(10*time.Millisecond) + skewNs

// lateStartNs is how far a process's start may lie after its own record's
// stamp when nothing closer matches. In a virtual machine whose vCPUs are
// descheduled, the coarse clock's tick updates come late: records were
// seen stamped 18 ms before the FORK of the process that made them. A
// process started that late is chosen only when no process that surely
// held the PID matches the record's ppid; with pid_max at 32768, reusing a
// PID within this window would take 300,000 forks a second.
const lateStartNs = int64(100 * time.Millisecond)

// Config tunes a Table. The zero value is usable.
type Config struct {
	// Retention keeps exited processes at least this long (default 30s),
	// unless Release says their records are all attributed.
	Retention time.Duration
	// RetainExited keeps at least this many most recent exited processes
	// whatever their age (default 4096), unless released (Release): under
	// an exit storm the time window alone could be too short for a lagging
	// audit reader, and when idle the count alone could drop a slow
	// process's records.
	RetainExited int
	// ReceiveBuffer sizes the connector socket's SO_RCVBUF (forced past
	// rmem_max as root); default 16 MiB, about 20000 events.
	ReceiveBuffer int
	// ProcRoot is where procfs is mounted (default /proc).
	ProcRoot string
	// LazyExec skips re-reading /proc at EXEC for a process the table
	// knows: it is only flagged Stale, and Refresh reads its details
	// when someone needs them. Under an exec storm the re-read costs more
	// than the audit records of the exec; attribution needs only the
	// identity and lineage, which exec does not change.
	LazyExec bool
	// Passive says the owner applies events with Sync (from its own
	// loop, often enough that the socket buffer does not overflow) and
	// never calls Run. The socket then stays out of Go's network
	// poller, which would otherwise wake a thread for every event.
	Passive bool
	// Events chooses where the events come from (default EventsAuto).
	Events EventSource
	// RingSize sizes BPF's ring buffer: a power of two of at least a
	// page (default procbpf.DefaultSize).
	RingSize int
	// FoldShortLived, with BPF's events, folds a process that forks and
	// exits within one drain (from a parent that outlives it there, with
	// no child or thread of its own): it gets no entry but a compact
	// record (see foldLog), which attribution, Get, Tag and Walk read,
	// and neither its fork nor its exit is reported to the hooks. A
	// consumer that counts processes per tag, as the contid registry
	// does, sees no difference: the two cancel out while the parent
	// holds the tag. Under an exec storm, reporting them was most of
	// what following processes cost.
	//
	// It also holds each fork back from the hooks until the end of the
	// next drain, and reports neither fork nor exit of a process that
	// exits by then; any other exit, and Settle, report the held forks
	// first. The owner calls Settle before it reads or changes what its
	// hooks keep.
	FoldShortLived bool
}

// EventSource says where a table's process events come from.
type EventSource int

const (
	// EventsAuto takes BPF for a LazyExec table when the kernel and the
	// process's privileges allow it, and the proc connector otherwise.
	EventsAuto EventSource = iota
	// EventsConnector takes the proc connector: one netlink datagram per
	// event.
	EventsConnector
	// EventsBPF takes the same events from BPF programs on the
	// scheduler's tracepoints, through a ring buffer read without a
	// system call (internal/procbpf). It carries FORK and EXIT only,
	// hence LazyExec; Open fails if it cannot be had.
	EventsBPF
)

// String is the name the daemon's configuration uses.
func (s EventSource) String() string {
	switch s {
	case EventsConnector:
		return "connector"
	case EventsBPF:
		return "bpf"
	}
	return "auto"
}

// ParseEventSource reads "auto", "connector" or "bpf".
func ParseEventSource(v string) (EventSource, error) {
	for _, s := range []EventSource{EventsAuto, EventsConnector, EventsBPF} {
		if v == s.String() {
			return s, nil
		}
	}
	return EventsAuto, fmt.Errorf("process event source %q: want auto, connector or bpf", v)
}

func (c *Config) defaults() {
	if c.Retention == 0 {
		c.Retention = 30 * time.Second
	}
	if c.RetainExited == 0 {
		c.RetainExited = 4096
	}
	if c.ReceiveBuffer == 0 {
		c.ReceiveBuffer = 16 << 20
	}
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
}

// Stats counts what the table has seen.
type Stats struct {
	Events, Forks, ThreadForks, Execs, Exits, ThreadExits uint64
	// LostEvents counts receive queue overflows (ENOBUFS), each followed
	// by a rescan; DroppedEvents is the kernel's count of events dropped
	// on the socket (sk_drops, from /proc/net/netlink).
	LostEvents, DroppedEvents, Rescans uint64
	// BadEvents: events that could not be decoded (each is skipped).
	BadEvents uint64
	// Folded: short-lived processes entered exited at once, or whose
	// held fork their exit cancelled (Config.FoldShortLived), counted in
	// Forks and Exits too.
	Folded uint64
	// InferredForks: processes first known from a rescan, an EXEC or
	// Attribute; EstimatedStarts: gone before /proc could be read;
	// InferredExits: found gone by a rescan or replaced by a newer PID
	// holder; UnknownExits: EXITs of processes never known.
	InferredForks, EstimatedStarts, InferredExits, UnknownExits uint64
	// Live and RetainedExited size the table.
	Live, RetainedExited int
	// ReceiveBuffer is the SO_RCVBUF asked for, grown after overflows.
	ReceiveBuffer int
}

type counters struct {
	events, forks, threadForks, execs, exits, threadExits atomic.Uint64
	lost, rescans                                         atomic.Uint64
	inferredForks, estimatedStarts, inferredExits         atomic.Uint64
	unknownExits, badEvents, folded                       atomic.Uint64
}

// procSource reads one process; the real one is /proc, tests use a fake.
type procSource interface {
	read(pid int32, info *procInfo, wantStart, slack uint64, parts readParts) error
	list(pids []int32) ([]int32, error)
}

// Change is a fork or an exit, as the hooks hear of it.
type Change struct {
	// Exit says that Proc exited; otherwise Parent forked Proc.
	Exit         bool
	Parent, Proc ProcID
	// At is the exit's time, or the new process's start.
	At time.Time
	// Tag is Proc's tag (see Tag): at a fork, the one it took from its
	// parent.
	Tag uint64
}

// heldFork is a fork Change kept back (see Table.hold), with its process.
type heldFork struct {
	c Change
	p *proc
}

// reparenting is a child whose parent exited at since (wall ns).
type reparenting struct {
	id    ProcID
	since int64
}

func forkChange(p *proc) Change {
	return Change{Parent: p.parent, Proc: p.id, At: time.Unix(0, p.startNs), Tag: p.tag}
}

// inheritTag gives a process found without its FORK (a rescan, an EXEC,
// an inference) its parent's tag, as the fork did, once it is linked.
func inheritTag(p *proc) {
	if p.tag == 0 && p.parentP != nil {
		p.tag = p.parentP.tag
	}
}

// clocks converts the connector's CLOCK_MONOTONIC stamps and /proc's
// CLOCK_BOOTTIME ticks to wall time; taken once per batch of events.
type clocks struct {
	monoToWall, monoToBoot, bootToWall, wallNow int64
}

func readClocks() clocks {
	now := time.Now() // vDSO; x/sys/unix's clock_gettime is a real syscall
	offsets.Lock()
	defer offsets.Unlock()
	// The offsets move only with NTP slewing (at most 0.5 ms per second)
	// or a suspend, so three syscalls a second are enough; per batch of
	// events they were a tenth of the daemon's CPU under an exec storm.
	if offsets.at.IsZero() || now.Sub(offsets.at) >= time.Second || now.Sub(offsets.at) < 0 {
		offsets.c = readOffsets()
		offsets.at = now
	}
	c := offsets.c
	c.wallNow = now.UnixNano()
	return c
}

// readOffsets reads the three clocks close together. A thread descheduled
// between two reads (a loaded host, or the Go runtime handing the P to
// another goroutine during a blocking syscall) would shift every start
// time by the gap for a second, and records would no longer match their
// processes. So the reads are raw system calls, bracketed by two
// monotonic reads, and repeated while the bracket is wider than
// maxClockGap.
func readOffsets() clocks {
	const maxClockGap = 100 * time.Microsecond
	var best clocks
	bestGap := int64(-1)
	for range 8 {
		m1 := rawClock(unix.CLOCK_MONOTONIC)
		b := rawClock(unix.CLOCK_BOOTTIME)
		w := rawClock(unix.CLOCK_REALTIME)
		m2 := rawClock(unix.CLOCK_MONOTONIC)
		gap := m2 - m1
		if bestGap < 0 || gap < bestGap {
			m := m1 + gap/2
			best, bestGap = clocks{monoToWall: w - m, monoToBoot: b - m, bootToWall: w - b}, gap
		}
		if gap <= int64(maxClockGap) {
			break
		}
	}
	return best
}

func rawClock(id int32) int64 {
	var ts unix.Timespec
	unix.RawSyscall(unix.SYS_CLOCK_GETTIME, uintptr(id), uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

var offsets struct {
	sync.Mutex
	at time.Time
	c  clocks
}

func (c clocks) ticksAt(mono uint64) uint64 { return uint64((int64(mono) + c.monoToBoot) / tickNs) }
func (c clocks) wallOfTicks(t uint64) int64 { return c.bootToWall + int64(t)*tickNs }

// Table is the process table. See the package comment for its
// concurrency model.
type Table struct {
	cfg Config

	mu        sync.RWMutex
	byPID     pidIndex // newest process per PID; older ones chained
	nsIntern  map[Namespaces]*Namespaces
	strIntern map[string]string
	exitQ     []*proc // exit order, for retention; entries before exitHead are gone
	exitHead  int
	live      int
	// Guarded by mu too: every mutation may queue hook events and children
	// whose parent exited (to re-read their ppid after the kernel's
	// reparenting).
	pending []Change
	spare   []Change // pending's previous buffer, reused
	noHold  bool     // pending holds an exit, or Settle runs: hold no fork
	// hold says fork Changes are held back a batch: with
	// Config.FoldShortLived and BPF's events, so that a process whose
	// fork and exit straddle two drains cancels out as one within a
	// drain does (see cancelHeld). Under an exec storm one child in
	// twenty straddles, and reporting its fork and exit cost as much as
	// following the other nineteen. held are those forks, and heldSpare
	// its previous buffer.
	hold            bool
	held, heldSpare []heldFork
	// folds keeps the processes folded by Config.FoldShortLived, which
	// have no entry.
	folds         foldLog
	reparent      []reparenting
	reparentSpare []reparenting

	// drainMu makes receive+apply one critical section (see Sync).
	drainMu sync.Mutex
	src     procSource
	info    procInfo
	sock    *socket       // the proc connector, or
	ring    *procbpf.Ring // BPF's ring buffer
	// ringLost is the ring's lost count the table has recovered from;
	// ringNote says why a table that could have used it did not.
	ringLost uint64
	ringNote string
	events   *eventBatch
	ev       abi.ProcEvent
	batch    []procbpf.Event // applyRing's batch
	folded   []bool          // its EXITs already applied by a fold
	closed   bool
	closers  []func()
	rcvbuf   atomic.Int64

	inferMu  sync.Mutex // Attribute's /proc reads
	inferSrc procSource
	inferBuf procInfo

	hookMu    sync.Mutex
	onFork    []func(parent, child ProcID)
	onExit    []func(ProcID)
	onChanges []func([]Change)

	n counters

	// releasedNs is the latest Release (wall ns); free holds removed
	// entries for reuse (see alloc), under mu.
	releasedNs atomic.Int64
	free       []*proc

	clock func() clocks // readClocks; tests substitute
}

func newTable(cfg Config, src, inferSrc procSource) *Table {
	cfg.defaults()
	return &Table{cfg: cfg, nsIntern: map[Namespaces]*Namespaces{},
		strIntern: map[string]string{}, src: src, inferSrc: inferSrc, clock: readClocks}
}

// OnFork registers fn to run for each new process: seen forking, found by
// a rescan, or inferred by Attribute. Seeded processes do not trigger it.
// parent has StartTime 0 when only its PID is known (its entry is gone).
func (t *Table) OnFork(fn func(parent, child ProcID)) {
	t.hookMu.Lock()
	t.onFork = append(t.onFork, fn)
	t.hookMu.Unlock()
}

// OnExit registers fn to run once for each process that exits (seen, or
// inferred by a rescan or a PID reuse).
func (t *Table) OnExit(fn func(ProcID)) {
	t.hookMu.Lock()
	t.onExit = append(t.onExit, fn)
	t.hookMu.Unlock()
}

// OnChanges registers fn to run with each batch of forks and exits, in
// event order, as OnFork and OnExit report them one by one: a consumer
// that takes a lock per call pays it once per batch instead. fn must not
// keep the slice.
func (t *Table) OnChanges(fn func([]Change)) {
	t.hookMu.Lock()
	t.onChanges = append(t.onChanges, fn)
	t.hookMu.Unlock()
}

func (t *Table) runHooks(evs []Change) {
	if len(evs) == 0 {
		return
	}
	t.hookMu.Lock()
	defer t.hookMu.Unlock()
	for _, fn := range t.onChanges {
		fn(evs)
	}
	if len(t.onFork)+len(t.onExit) == 0 {
		return
	}
	for _, e := range evs {
		if !e.Exit {
			for _, fn := range t.onFork {
				fn(e.Parent, e.Proc)
			}
		} else {
			for _, fn := range t.onExit {
				fn(e.Proc)
			}
		}
	}
}

// Stats returns the counters and the table's size.
func (t *Table) Stats() Stats {
	t.mu.RLock()
	live, all := t.live, len(t.exitQ)-t.exitHead+t.folds.len()
	t.mu.RUnlock()
	var dropped uint64
	if t.sock != nil {
		dropped, _ = t.sock.drops(t.cfg.ProcRoot)
	} else if t.ring != nil {
		dropped = t.ring.Lost()
	}
	return Stats{DroppedEvents: dropped, ReceiveBuffer: int(t.rcvbuf.Load()), Events: t.n.events.Load(), Forks: t.n.forks.Load(), ThreadForks: t.n.threadForks.Load(),
		Execs: t.n.execs.Load(), Exits: t.n.exits.Load(), ThreadExits: t.n.threadExits.Load(),
		LostEvents: t.n.lost.Load(), Rescans: t.n.rescans.Load(), InferredForks: t.n.inferredForks.Load(),
		EstimatedStarts: t.n.estimatedStarts.Load(), InferredExits: t.n.inferredExits.Load(),
		UnknownExits: t.n.unknownExits.Load(), BadEvents: t.n.badEvents.Load(), Folded: t.n.folded.Load(), Live: live, RetainedExited: all}
}

// Lookup returns the newest live process with this PID (a thread-group
// id, as audit records print pid=).
func (t *Table) Lookup(pid int32) (Process, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if p := t.liveByPID(pid); p != nil {
		return p.snapshot(), true
	}
	return Process{}, false
}

// Refresh returns the live process with this PID, first re-reading its
// details from /proc when an exec left them stale (Config.LazyExec).
func (t *Table) Refresh(pid int32) (Process, bool) {
	t.mu.RLock()
	p := t.liveByPID(pid)
	// A lazy table hears of no exec (the kernel sends it FORK and EXIT
	// only), so a process refreshed once may have exec'd since: read
	// again whenever asked.
	if p == nil || (p.flags&Stale == 0 && !t.cfg.LazyExec) {
		defer t.mu.RUnlock()
		if p == nil {
			return Process{}, false
		}
		return p.snapshot(), true
	}
	want := p.id.StartTime
	var slack uint64
	if p.flags&StartEstimated != 0 {
		slack = startSlack
	}
	t.mu.RUnlock()
	t.inferMu.Lock()
	defer t.inferMu.Unlock()
	c := t.clock()
	info := &t.inferBuf
	*info = procInfo{}
	err := t.inferSrc.read(pid, info, want, slack, readAll)
	t.mu.Lock()
	defer t.mu.Unlock()
	p = t.find(ProcID{pid, want})
	if p == nil || p.exited() {
		return Process{}, false
	}
	if err == nil && !info.dead() {
		t.upsert(info, c, 0, nil)
		p.flags &^= Stale
	}
	return p.snapshot(), true
}

// Exact returns id with the start time /proc gives, when the table only
// estimated it (from the FORK event's timestamp, within a tick) and the
// process still runs; otherwise id. The table keeps naming the process by
// the estimate, but an identity written for a later run (the contid
// state file) must match what /proc will say then.
func (t *Table) Exact(id ProcID) ProcID {
	t.mu.RLock()
	p := t.find(id)
	estimated := p != nil && !p.exited() && p.flags&StartEstimated != 0
	t.mu.RUnlock()
	if !estimated {
		return id
	}
	t.inferMu.Lock()
	defer t.inferMu.Unlock()
	info := &t.inferBuf
	*info = procInfo{}
	if t.inferSrc.read(id.PID, info, id.StartTime, startSlack, 0) != nil {
		return id
	}
	return ProcID{id.PID, info.start}
}

// SameStart reports whether a start time read from /proc may be the one
// the table estimated (est) from the FORK event, sent a little after the
// start: the tolerance find, Exact and Refresh allow.
func SameStart(est, real uint64) bool {
	return real+startSlack >= est && real <= est+1
}

// Get returns the process with this identity, live or retained.
func (t *Table) Get(id ProcID) (Process, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if p := t.find(id); p != nil {
		return p.snapshot(), true
	}
	if r := t.folds.find(id); r != nil {
		return r.snapshot(t.find(r.parent)), true
	}
	return Process{}, false
}

// Children returns the live children of id as the table knows them.
func (t *Table) Children(id ProcID) []ProcID {
	t.mu.RLock()
	defer t.mu.RUnlock()
	p := t.find(id)
	if p == nil {
		return nil
	}
	var out []ProcID
	for c := p.firstChild; c != nil; c = c.nextSib {
		if !c.exited() {
			out = append(out, c.id)
		}
	}
	return out
}

// Walk calls fn for every tracked process, live and retained (folded
// processes last, see Config.FoldShortLived), under the read lock: fn
// must not call back into the table's write paths.
func (t *Table) Walk(fn func(*Process) bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	more := true
	t.byPID.each(func(head *proc) bool {
		for p := head; p != nil; p = p.older {
			s := p.snapshot()
			if more = fn(&s); !more {
				return false
			}
		}
		return true
	})
	for i := t.folds.head; more && i < len(t.folds.recs); i++ {
		r := &t.folds.recs[i]
		s := r.snapshot(t.find(r.parent))
		more = fn(&s)
	}
}

// Attribute returns the process that had pid at time at (an audit record's
// stamp; zero means now), using ppid (the record's ppid=, 0 if absent) to
// choose between two processes that could both have held the PID then, and
// to link a process whose FORK was missed: it is then read from /proc if
// still there, or recorded as an exited child of ppid's process, flagged
// ForkInferred. Call Sync first so that forks up to the record are known.
func (t *Table) Attribute(pid, ppid int32, at time.Time) (ProcID, bool) {
	id, _, ok := t.AttributeTag(pid, ppid, at)
	return id, ok
}

// AttributeTag is Attribute that also returns the process's tag (see
// SetTag), read under the same lock.
func (t *Table) AttributeTag(pid, ppid int32, at time.Time) (ProcID, uint64, bool) {
	var atNs int64
	if !at.IsZero() {
		atNs = at.UnixNano()
	}
	t.mu.RLock()
	id, tag, ok := t.attributeAny(pid, ppid, atNs)
	t.mu.RUnlock()
	if ok {
		return id, tag, true
	}
	if pid <= 0 {
		return ProcID{}, 0, false
	}
	// The caller may not have synced: apply what is queued and look
	// again before inferring anything. TryLock, because a hook (running
	// inside a drain) may be the caller.
	if t.trySync() {
		t.mu.RLock()
		id, tag, ok = t.attributeAny(pid, ppid, atNs)
		t.mu.RUnlock()
		if ok {
			return id, tag, true
		}
	}
	if id, ok = t.infer(pid, ppid, atNs); ok {
		tag = t.Tag(id)
	}
	return id, tag, ok
}

// Tag returns the tag of the process with this identity, live or
// retained, 0 if it has none or is unknown.
//
// A tag is a value the table keeps for its owner with each process and
// copies from parent to child as it applies a FORK (and to a process
// found without its FORK, from the parent it is linked to): the contid
// registry keeps each process's contid there (contid.Holders), which makes
// inheriting cost nothing per fork.
func (t *Table) Tag(id ProcID) uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if p := t.find(id); p != nil {
		return p.tag
	}
	if r := t.folds.find(id); r != nil {
		return r.tag
	}
	return 0
}

// SetTag sets the tag of a live process; it reports false, changing
// nothing, when the table has no live process with this identity.
func (t *Table) SetTag(id ProcID, tag uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.find(id)
	if p == nil || p.exited() {
		return false
	}
	p.tag = tag
	return true
}

// ClearTag drops the tag of the process with this identity, live or
// exited.
func (t *Table) ClearTag(id ProcID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.find(id); p != nil {
		p.tag = 0
	} else if r := t.folds.find(id); r != nil {
		r.tag = 0
	}
}

// EachTagged calls fn for every live process with a tag, until fn
// returns false. fn runs under the read lock.
func (t *Table) EachTagged(fn func(ProcID, uint64) bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	t.byPID.each(func(head *proc) bool {
		for p := head; p != nil; p = p.older {
			if p.tag != 0 && !p.exited() && !fn(p.id, p.tag) {
				return false
			}
		}
		return true
	})
}

// How well a process matches a record (see attributeLocked), best first.
const (
	matchNone = iota
	matchHeld
	matchLate
	matchOther
	matchLateOther
)

// matchOf ranks a process that lived from startNs to exitNs (0: alive),
// with parent PID parent, as the maker of a record stamped atNs with
// ppid; done says that processes older still (in a PID's chain, newest
// first) cannot match either.
func matchOf(startNs, exitNs int64, parent, ppid int32, atNs int64) (rank int, done bool) {
	if exitNs != 0 && exitNs < atNs-skewNs {
		return matchNone, true
	}
	agrees := ppid == 0 || parent == ppid
	switch {
	case startNs > atNs+lateStartNs:
		return matchNone, false
	case startNs > atNs+coarseSkewNs && agrees:
		return matchLate, false
	case startNs > atNs+coarseSkewNs:
		return matchLateOther, false
	case agrees:
		return matchHeld, true
	}
	return matchOther, false
}

// betterMatch reports whether a candidate ranked r replaces the best so
// far, ranked best, as a PID's holders are visited newest first: a lower
// rank wins, and among late ones a later (older) one, which is closer to
// the record's stamp.
func betterMatch(r, best int) bool {
	return r != matchNone && (best == matchNone || r < best || (r == best && (r == matchLate || r == matchLateOther)))
}

// attributeLocked prefers, in order: a process that held pid at atNs and
// whose parent is ppid; one that started late (lateStartNs) with parent
// ppid; one that held pid but has another parent (reparented, or a
// record without ppid); one that started late. Among late ones the
// closest to atNs wins, and among those that held pid the newest. It
// returns the process and its rank (matchNone with nil).
func (t *Table) attributeLocked(pid, ppid int32, atNs int64) (*proc, int) {
	var best *proc
	rank := matchNone
	for p := t.byPID.get(pid); p != nil; p = p.older {
		if atNs == 0 {
			if !p.exited() {
				return p, matchHeld
			}
			continue
		}
		var exitNs int64
		if p.exited() {
			exitNs = p.exitNs
		}
		r, done := matchOf(p.startNs, exitNs, p.parent.PID, ppid, atNs)
		if betterMatch(r, rank) {
			best, rank = p, r
		}
		if done {
			break
		}
	}
	return best, rank
}

// attributeAny is attributeLocked over the entries and the folded
// processes, with t.mu held: the identity and tag of the best match.
func (t *Table) attributeAny(pid, ppid int32, atNs int64) (ProcID, uint64, bool) {
	p, rank := t.attributeLocked(pid, ppid, atNs)
	if rank != matchHeld && atNs != 0 {
		if f, frank := t.attributeFolded(pid, ppid, atNs); f != nil && (p == nil || frank < rank) {
			return f.id, f.tag, true
		}
	}
	if p == nil {
		return ProcID{}, 0, false
	}
	return p.id, p.tag, true
}

// attributeFolded is attributeLocked over the folded processes.
func (t *Table) attributeFolded(pid, ppid int32, atNs int64) (*foldedProc, int) {
	s := t.folds.slot(pid, false)
	if s == nil {
		return nil, matchNone
	}
	var best *foldedProc
	rank := matchNone
	for f := t.folds.at(*s, pid); f != nil; f = t.folds.at(f.prev, pid) {
		r, done := matchOf(f.startNs, f.exitNs, f.parent.PID, ppid, atNs)
		if betterMatch(r, rank) {
			best, rank = f, r
		}
		if done {
			break
		}
	}
	return best, rank
}

func (t *Table) infer(pid, ppid int32, atNs int64) (ProcID, bool) {
	t.inferMu.Lock()
	defer t.inferMu.Unlock()
	c := t.clock()
	info := &t.inferBuf
	*info = procInfo{}
	err := t.inferSrc.read(pid, info, 0, 0, readAll)
	t.mu.Lock()
	// Another path may have added it meanwhile.
	if id, _, ok := t.attributeAny(pid, ppid, atNs); ok {
		t.mu.Unlock()
		return id, true
	}
	var p *proc
	// The process now holding the PID held it at the record's time if it
	// started before then: surely so when even its tick's end is before
	// the record, and if within its start tick, when the ppid agrees
	// (a reparented process no longer has the record's ppid). A late
	// clock may stamp the record up to lateStartNs before the start: the
	// ppid must then agree.
	startNs := c.wallOfTicks(info.start)
	held := err == nil && !info.dead() && (atNs == 0 ||
		startNs+tickNs <= atNs || (startNs <= atNs+coarseSkewNs && (ppid == 0 || info.ppid == ppid)) ||
		(startNs <= atNs+lateStartNs && ppid != 0 && info.ppid == ppid))
	if held {
		var created bool
		p, created = t.upsert(info, c, ForkInferred, nil)
		t.linkParent(p, info.ppid)
		if created {
			inheritTag(p)
			t.pending = append(t.pending, forkChange(p))
		}
	} else if ppid != 0 && atNs != 0 {
		// A folded process has no children: the parent has an entry.
		parent, _ := t.attributeLocked(ppid, 0, atNs)
		ticks := uint64((atNs - c.bootToWall) / tickNs)
		p = t.alloc()
		p.id, p.tgid, p.threads, p.startNs, p.flags = ProcID{pid, ticks}, pid, 1, atNs, ForkInferred|StartEstimated
		if parent != nil {
			p.copyFrom(parent)
			p.parent = parent.id
			parent.addChild(p)
		} else {
			p.parent = ProcID{PID: ppid}
		}
		t.insert(p, c)
		t.pending = append(t.pending, forkChange(p))
		// Gone from /proc (or replaced): it has exited by now.
		t.markExited(p, c.wallNow, ExitInferred)
		t.n.estimatedStarts.Add(1)
	} else {
		t.mu.Unlock()
		return ProcID{}, false
	}
	t.n.inferredForks.Add(1)
	id := p.id
	t.mu.Unlock()
	t.flushHooks()
	return id, true
}

// flushHooks runs the hook events queued by mutations so far. Two
// mutating goroutines (the drain and an inferring Attribute) may
// interleave their batches; within one batch, order is event order.
func (t *Table) flushHooks() {
	t.mu.Lock()
	evs := t.takePending()
	t.mu.Unlock()
	t.runPending(evs)
}

// takePending hands over the hook events due at the end of a batch, with
// t.mu held; nil when there are none. With hold, a batch that queued
// only forks hands over the forks held since the last one, and holds its
// own instead.
func (t *Table) takePending() []Change {
	if t.hold && !t.noHold {
		old := t.held
		t.held = t.heldSpare[:0]
		for _, c := range t.pending {
			if p := t.find(c.Proc); p != nil && !p.exited() {
				t.held = append(t.held, heldFork{c, p})
			} else {
				old = append(old, heldFork{c: c})
			}
		}
		clear(t.pending)
		t.pending = t.pending[:0]
		t.heldSpare = old[:0]
		if len(old) == 0 {
			return nil
		}
		evs := t.spare[:0]
		t.spare = nil
		for i := range old {
			evs = append(evs, old[i].c)
		}
		clear(old)
		return evs
	}
	t.releaseHeld()
	t.noHold = false
	if len(t.pending) == 0 {
		return nil
	}
	evs := t.pending
	t.pending, t.spare = t.spare[:0], nil
	return evs
}

// cancelHeld drops the held fork of p, which is exiting, and reports
// whether there was one: its fork and its exit are then reported to no
// hook. That is safe for a consumer counting holders because an exit
// reported meanwhile would have released the fork (see markExited) and
// a tag is changed only after Settle.
func (t *Table) cancelHeld(p *proc) bool {
	for i := len(t.held) - 1; i >= 0; i-- {
		if t.held[i].p == p {
			t.held = slices.Delete(t.held, i, i+1)
			t.n.folded.Add(1)
			return true
		}
	}
	return false
}

// releaseHeld queues the held forks, with t.mu held.
func (t *Table) releaseHeld() {
	for i := range t.held {
		t.pending = append(t.pending, t.held[i].c)
	}
	clear(t.held)
	t.held = t.held[:0]
}

// runPending runs what takePending returned and keeps its buffer for reuse.
func (t *Table) runPending(evs []Change) {
	if evs == nil {
		return
	}
	t.runHooks(evs)
	clear(evs)
	t.mu.Lock()
	if t.spare == nil {
		t.spare = evs[:0]
	}
	t.mu.Unlock()
}

// --- mutation, all under t.mu ---

func (t *Table) liveByPID(pid int32) *proc {
	if p := t.byPID.get(pid); p != nil && !p.exited() {
		return p
	}
	return nil
}

// find returns the process with id; an entry whose start was estimated
// matches within the estimate's error.
func (t *Table) find(id ProcID) *proc { return findIn(t.byPID.get(id.PID), id) }

// findIn is find in the chain of id's PID, from its newest entry head.
func findIn(head *proc, id ProcID) *proc {
	for p := head; p != nil; p = p.older {
		if p.id.StartTime == id.StartTime {
			return p
		}
		if p.flags&StartEstimated != 0 && p.id.StartTime+1 >= id.StartTime && p.id.StartTime <= id.StartTime+startSlack {
			return p
		}
	}
	return nil
}

func (t *Table) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := t.strIntern[string(b)]; ok {
		return s
	}
	s := string(b)
	t.strIntern[s] = s
	return s
}

func (t *Table) internNS(ns *Namespaces) *Namespaces {
	if p, ok := t.nsIntern[*ns]; ok {
		return p
	}
	p := new(Namespaces)
	*p = *ns
	t.nsIntern[*p] = p
	return p
}

func (p *proc) copyFrom(parent *proc) {
	p.ns, p.cgroup, p.comm, p.exe, p.tag = parent.ns, parent.cgroup, parent.comm, parent.exe, parent.tag
	p.uid, p.euid, p.gid, p.egid, p.loginu, p.sessid = parent.uid, parent.euid, parent.gid, parent.egid, parent.loginu, parent.sessid
	if parent.nspid != nil {
		// Inner PIDs are unknown; keep the depth so the process still
		// reads as namespaced.
		p.nspid = make([]int32, len(parent.nspid))
	}
}

// fill copies what info holds (see readParts) into p.
func (t *Table) fill(p *proc, info *procInfo) {
	p.threads = info.threads
	p.comm = t.intern(info.comm)
	if p.tgid == 0 {
		p.tgid = info.pid
	}
	if info.parts&readStatus != 0 {
		if info.tgid != 0 {
			p.tgid = info.tgid
		}
		p.uid, p.euid, p.gid, p.egid = info.uid, info.euid, info.gid, info.egid
		if len(info.nspid) > 0 {
			if len(p.nspid) != len(info.nspid) {
				p.nspid = make([]int32, len(info.nspid))
			}
			copy(p.nspid, info.nspid)
		} else {
			p.nspid = nil
		}
	}
	if info.parts&readRest != 0 {
		p.ns = t.internNS(&info.ns)
		p.cgroup, p.exe = t.intern(info.cgroup), t.intern(info.exe)
		p.loginu, p.sessid = info.loginuid, info.sessid
	}
}

// upsert updates the entry for info's process or creates it; created
// entries get flags, start as a copy of inherit (the parent, for what info
// lacks) and are inserted. The parent is not linked.
func (t *Table) upsert(info *procInfo, c clocks, flags Flags, inherit *proc) (*proc, bool) {
	id := ProcID{info.pid, info.start}
	if p := t.find(id); p != nil {
		t.fill(p, info)
		return p, false
	}
	return t.create(info, c, flags, inherit), true
}

// create inserts a new entry for info's process, as upsert does when it
// finds none.
func (t *Table) create(info *procInfo, c clocks, flags Flags, inherit *proc) *proc {
	p := t.alloc()
	p.id, p.startNs, p.flags = ProcID{info.pid, info.start}, c.wallOfTicks(info.start), flags
	if inherit != nil {
		p.copyFrom(inherit)
	}
	t.fill(p, info)
	t.insert(p, c)
	return p
}

// insert links p into its PID's chain, newest first. A live process still
// holding the PID when a newer one arrives has exited unseen.
func (t *Table) insert(p *proc, c clocks) { t.insertAt(p, t.byPID.get(p.id.PID), c) }

// insertAt is insert with the PID's chain already looked up.
func (t *Table) insertAt(p *proc, head *proc, c clocks) {
	if head == nil || head.id.StartTime <= p.id.StartTime {
		if head != nil && !head.exited() {
			t.markExited(head, c.wallNow, ExitInferred)
		}
		p.older = head
		t.byPID.set(p.id.PID, p)
	} else {
		q := head
		for q.older != nil && q.older.id.StartTime > p.id.StartTime {
			q = q.older
		}
		p.older, q.older = q.older, p
	}
	if !p.exited() {
		t.live++
	}
}

func (t *Table) linkParent(p *proc, ppid int32) {
	if p.parentP != nil && p.parentP.id.PID == ppid && !p.parentP.exited() {
		return
	}
	p.detach()
	if ppid <= 0 {
		p.parent = ProcID{}
		return
	}
	if par := t.liveByPID(ppid); par != nil {
		p.parent = par.id
		par.addChild(p)
	} else {
		p.parent = ProcID{PID: ppid}
	}
}

func (t *Table) markExited(p *proc, wallNs int64, extra Flags) {
	if p.exited() {
		return
	}
	p.flags |= Exited | extra
	p.exitNs = wallNs
	t.exitQ = append(t.exitQ, p)
	t.live--
	if extra&ExitInferred != 0 {
		t.n.inferredExits.Add(1)
	}
	if !t.cancelHeld(p) {
		// Held forks go first: a consumer counting the holders of a
		// tag must not see an exit while a process it has not been
		// told of still holds the tag.
		t.releaseHeld()
		t.pending = append(t.pending, Change{Exit: true, Proc: p.id, At: time.Unix(0, p.exitNs), Tag: p.tag})
		t.noHold = true
	}
	for c := p.firstChild; c != nil; c = c.nextSib {
		if !c.exited() {
			t.reparent = append(t.reparent, reparenting{c.id, wallNs})
		}
	}
}

// releaseSlack is how long before a Release an exit must be for the
// process to be forgotten early: another process's record may still name
// it, a signal's target (OBJ_PID), written when that process's syscall
// ends, a moment after the target died.
const releaseSlack = int64(time.Second)

// Release tells the table that every audit record stamped before upTo
// has been attributed: a process that exited more than a second before it
// can be forgotten, before Retention runs out and whatever RetainExited
// says. The daemon passes the stamp of the
// latest record it has annotated. A process's own records are all queued
// before its EXIT event is sent, and kauditd delivers in order, so they
// are behind it.
func (t *Table) Release(upTo time.Time) {
	ns := upTo.UnixNano()
	// Lock-free: the daemon calls it after every batch of records.
	for {
		old := t.releasedNs.Load()
		if ns <= old || t.releasedNs.CompareAndSwap(old, ns) {
			return
		}
	}
}

// maxFree bounds the entries kept for reuse: enough for the retention
// floor's turnover, while a burst's worth goes back to the collector.
func (t *Table) maxFree() int { return t.cfg.RetainExited + 1024 }

// alloc returns a zeroed entry, reusing a removed one when it can: under
// an exec storm every new entry otherwise touches fresh memory, which
// costs page faults and collections on top of the allocation.
func (t *Table) alloc() *proc {
	if n := len(t.free); n > 0 {
		p := t.free[n-1]
		t.free[n-1] = nil
		t.free = t.free[:n-1]
		return p
	}
	return new(proc)
}

// prune forgets exited processes past both retention limits.
//
// A process the owner has released (see Release) goes whatever the count:
// the floor is for a reader that says nothing of where it is.
func (t *Table) prune(nowNs int64) {
	cut := nowNs - int64(t.cfg.Retention)
	released := t.releasedNs.Load() - releaseSlack
	i := t.exitHead
	for ; i < len(t.exitQ); i++ {
		p := t.exitQ[i]
		if p.exited() {
			if p.exitNs >= released && (len(t.exitQ)-i <= t.cfg.RetainExited || p.exitNs >= cut) {
				break
			}
			t.remove(p)
		} // else revived (see applyExec): live again, just drop the slot
		t.exitQ[i] = nil
	}
	t.exitHead = i
	t.folds.prune(func(r *foldedProc, kept int) bool {
		return r.exitNs < released || (kept > t.cfg.RetainExited && r.exitNs < cut)
	})
	// Compact once half the slice is dead: amortised O(1) per exit,
	// where shifting on every prune would move the whole window.
	if t.exitHead > len(t.exitQ)/2 && t.exitHead > 64 {
		n := copy(t.exitQ, t.exitQ[t.exitHead:])
		clear(t.exitQ[n:])
		t.exitQ = t.exitQ[:n]
		t.exitHead = 0
	}
}

func (t *Table) remove(p *proc) {
	p.detach()
	for c := p.firstChild; c != nil; {
		next := c.nextSib
		c.parentP, c.prev, c.nextSib = nil, nil, nil
		c = next
	}
	p.firstChild = nil
	head := t.byPID.get(p.id.PID)
	if head == p {
		t.byPID.set(p.id.PID, p.older)
	} else {
		for q := head; q != nil; q = q.older {
			if q.older == p {
				q.older = p.older
				break
			}
		}
	}
	p.older = nil
	if len(t.free) < t.maxFree() {
		*p = proc{}
		t.free = append(t.free, p)
	}
}
