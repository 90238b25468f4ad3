package attribute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/control"
	"github.com/contaudit/contaudit/internal/proctable"
	"github.com/contaudit/contaudit/internal/record"
)

// Config says where the control API listens, where state is kept, who may
// set contids and what the registry's limits are.
type Config struct {
	// Socket is the control API's Unix socket; SocketMode and SocketGID
	// (-1 keeps the daemon's group) say who may connect.
	Socket     string
	SocketMode os.FileMode
	SocketGID  int
	// StateFile keeps the registry across restarts; "" keeps nothing.
	StateFile string
	Policy    control.Policy
	Limits    contid.Config
	// ExitGrace bounds how long an exited process keeps its contid for
	// records still on their way when the audit stream is idle (default
	// 5s).
	ExitGrace time.Duration
	// Ops receives every CONTAINER_OP record, from any goroutine, in the
	// order the registry decided them.
	Ops func(contid.OpRecord)
	// RecordBarrier, if set, is called before a contid set and returns
	// once the records the kernel made until then are annotated (the
	// daemon's RecordBarrier).
	RecordBarrier func()
	Log           *slog.Logger
	// Table tunes the process table.
	Table proctable.Config
}

// Tracker runs container attribution for the daemon. Annotate and Advance
// belong to the daemon's loop goroutine; the rest is safe from anywhere.
type Tracker struct {
	cfg     Config
	log     *slog.Logger
	table   *proctable.Table
	reg     *contid.Registry // only inside backend.Do
	backend *control.RegistryBackend
	srv     *control.Server
	ln      net.Listener
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closed  sync.Once

	exitMu   sync.Mutex
	exits    []pendingExit // exits[exitHead:] wait for Advance
	exitHead int

	// Loop-goroutine state.
	auditClock  time.Time
	targets     []target
	annotations uint64
	// Counts for Stats that Advance publishes, once a batch: an atomic
	// add per event is a locked instruction per event.
	annotated, unattributed uint64
	// chain is the contid chain chainOf returned last.
	chain struct {
		ref     contid.Ref
		version uint64
		text    []byte
	}
	// Annotate's results, reused from call to call.
	outTypes []uint32
	outRecs  [][]byte
	outBuf   []byte
	// An event's CONTAINER_ID records, and its annotated records with
	// " record=N": slices of outBuf.
	cids   [][]byte
	marked []marked

	stats Stats
}

// marked is an annotated record: the event's record idx with " record=N".
type marked struct {
	idx int
	rec []byte
}

type pendingExit struct {
	p   contid.ProcID
	ref contid.Ref
	at  time.Time
}

// target is a record of an event that names a process: the SYSCALL's
// subject, an OBJ_PID's object, or a standalone record's sender.
type target struct {
	idx int
	ref contid.Ref // its contid, as the process table keeps it
}

// Stats counts the attribution path's work; the daemon exports it.
type Stats struct {
	// Annotated events got at least one CONTAINER_ID record.
	// Unattributed records named a PID the process table could not place
	// at the record's time. Both are published by Advance, after each
	// batch of records.
	Annotated    atomic.Uint64
	Unattributed atomic.Uint64
	// Ops counts CONTAINER_OP records; SaveErrors failed state saves.
	Ops, SaveErrors atomic.Uint64
	// Nanos is the time the daemon's loop spent in Sync, Advance and
	// Annotate: what container attribution costs it directly. Annotate
	// runs for every event, so one call in annotateSample is timed and
	// counted that many times over, which keeps the clock's own cost
	// (50 ns a read here) out of the hot path.
	Nanos atomic.Uint64
}

const annotateSample = 16

// Open starts following processes, restores the registry from the state
// file and creates the control socket. Nothing is served until Start.
func Open(cfg Config) (_ *Tracker, err error) {
	if cfg.ExitGrace <= 0 {
		cfg.ExitGrace = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Ops == nil {
		cfg.Ops = func(contid.OpRecord) {}
	}
	t := &Tracker{cfg: cfg, log: cfg.Log}
	// Attribution needs identity and lineage, which exec does not change;
	// the control API refreshes what it prints.
	cfg.Table.LazyExec = true
	// The daemon's loop calls Sync after every batch and on idle ticks.
	cfg.Table.Passive = true
	// The registry counts holders per contid: a process that forks and
	// exits between two drains changes no count.
	cfg.Table.FoldShortLived = true
	if t.table, err = proctable.Open(cfg.Table); err != nil {
		return nil, fmt.Errorf("process table: %w", err)
	}
	defer func() {
		if err != nil {
			t.table.Close()
		}
	}()
	if src, why := t.table.EventSource(); why != "" {
		t.log.Warn("process events from the proc connector: BPF unavailable", "reason", why)
	} else {
		t.log.Info("process events", "source", src.String())
	}
	drops, err := t.restore()
	if err != nil {
		return nil, err
	}
	t.backend = control.NewRegistryBackend(t.reg, t.table, t.onRecords)
	if cfg.RecordBarrier != nil {
		t.backend.SetRecordBarrier(cfg.RecordBarrier)
	}
	// Hooks run in event order, one batch at a time, outside the table's
	// lock. The table gave a child its parent's contid (a Ref in its tag)
	// as it applied the FORK; the registry counts the holder. Exits carry
	// the Ref and wait for Advance: the exited process's records may
	// still be on their way. An exit without a contid concerns the
	// registry only while someone holds a delegation.
	t.table.OnChanges(func(cs []proctable.Change) {
		var delegations bool
		t.backend.Do(func(r *contid.Registry) {
			for _, c := range cs {
				if !c.Exit && c.Tag != 0 {
					r.Inherit(contid.Ref(c.Tag))
				}
			}
			delegations = r.HasDelegations()
		})
		t.exitMu.Lock()
		for _, c := range cs {
			if c.Exit && (c.Tag != 0 || delegations) {
				t.exits = append(t.exits, pendingExit{contid.ProcID(c.Proc), contid.Ref(c.Tag), c.At})
			}
		}
		t.exitMu.Unlock()
	})
	if len(drops) > 0 {
		t.backend.Do(func(*contid.Registry) { t.onRecords(drops) })
	}
	t.srv = control.NewServer(t.backend, cfg.Policy, cfg.Log)
	if err := os.MkdirAll(filepath.Dir(cfg.Socket), 0o755); err != nil {
		return nil, fmt.Errorf("control socket directory: %w", err)
	}
	if t.ln, err = control.Listen(cfg.Socket, cfg.SocketMode, cfg.SocketGID); err != nil {
		return nil, err
	}
	return t, nil
}

// restore loads the state file, if any, reconciled with the live
// processes, and gives processes forked while the daemon was away their
// parents' contids.
func (t *Tracker) restore() ([]contid.OpRecord, error) {
	tree := control.TreeOf(t.table)
	data, err := os.ReadFile(t.cfg.StateFile)
	if t.cfg.StateFile == "" || errors.Is(err, os.ErrNotExist) {
		t.reg = contid.NewWith(tree, control.HoldersOf(t.table), t.cfg.Limits)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read contid state: %w", err)
	}
	reg, drops, err := contid.RestoreWith(data, tree, control.HoldersOf(t.table), t.cfg.Limits)
	if err != nil {
		// Starting empty would silently strip every running container of
		// its contid; the operator decides (move the file away).
		return nil, fmt.Errorf("restore contid state from %s (move it away to start without it): %w", t.cfg.StateFile, err)
	}
	t.reg = reg
	// The snapshot lists the processes that held contids when it was
	// written. Their children forked since (while the daemon was down,
	// or after the last save) inherit as the fork would have made them:
	// parents before children, by start time.
	var live []proctable.Process
	t.table.Walk(func(p *proctable.Process) bool {
		if !p.Exited() {
			live = append(live, *p)
		}
		return true
	})
	slices.SortFunc(live, func(a, b proctable.Process) int {
		if a.ID.StartTime != b.ID.StartTime {
			return int(a.ID.StartTime - b.ID.StartTime)
		}
		return int(a.ID.PID - b.ID.PID)
	})
	for _, p := range live {
		if !p.Parent.IsZero() {
			reg.Fork(contid.ProcID(p.Parent), contid.ProcID(p.ID))
		}
	}
	n := len(reg.List())
	t.log.Info("contid state restored", "file", t.cfg.StateFile, "contids", n, "dropped", len(drops))
	return drops, nil
}

// Start serves the control API until ctx ends or Close. Process events
// are applied by Sync, which the daemon's loop calls after every batch of
// records and on its idle ticks: a goroutine of its own, woken by the
// poller for each fork, exec and exit, cost more CPU under an exec storm
// than the audit records themselves. The control API syncs before it
// decides.
func (t *Tracker) Start(ctx context.Context) {
	ctx, t.cancel = context.WithCancel(ctx)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		if err := t.srv.Serve(t.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.log.Error("control API stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { t.srv.Close() })
}

// Close stops the control API and the process table and saves the state.
// Later calls do nothing.
func (t *Tracker) Close() (err error) {
	t.closed.Do(func() { err = t.close() })
	return err
}

func (t *Tracker) close() error {
	if t.cancel != nil {
		t.cancel()
	}
	errs := []error{t.srv.Close()}
	errs = append(errs, t.table.Close())
	t.wg.Wait()
	if err := os.Remove(t.cfg.Socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	t.backend.Do(func(*contid.Registry) {
		errs = append(errs, t.saveLocked())
	})
	return errors.Join(errs...)
}

// onRecords runs under the backend's lock with every CONTAINER_OP record.
// A state change is saved at once, so that a daemon killed right after a
// set still knows the contid when it restarts.
func (t *Tracker) onRecords(recs []contid.OpRecord) {
	changed := false
	for _, r := range recs {
		t.stats.Ops.Add(1)
		t.cfg.Ops(r)
		changed = changed || r.Success()
	}
	if changed {
		if err := t.saveLocked(); err != nil {
			t.log.Error("save contid state", "err", err)
		}
	}
}

// saveLocked writes the state file atomically; the caller holds the
// backend's lock.
func (t *Tracker) saveLocked() error {
	if t.cfg.StateFile == "" {
		return nil
	}
	// The table names lazily forked processes by a start time estimated
	// from the FORK event; the file gets /proc's, which a restart reads.
	data, err := t.reg.SnapshotFunc(func(p contid.ProcID) contid.ProcID {
		return contid.ProcID(t.table.Exact(proctable.ProcID(p)))
	})
	if err == nil {
		err = writeFileAtomic(t.cfg.StateFile, data)
	}
	if err != nil {
		t.stats.SaveErrors.Add(1)
		return fmt.Errorf("save contid state to %s: %w", t.cfg.StateFile, err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// Sync applies the process events queued so far. The daemon calls it after
// reading a batch of audit records and before annotating them, so that
// every fork that preceded a record is known.
func (t *Tracker) Sync() {
	defer t.since(time.Now(), 1)
	if err := t.table.Sync(); err != nil && !errors.Is(err, proctable.ErrClosed) {
		t.log.Warn("process table sync", "err", err)
	}
}

// Advance hands the registry the exits the audit stream has passed, or
// that are older than ExitGrace, and lets the process table forget the
// exited processes the stream has passed. now is the loop's clock.
func (t *Tracker) Advance(now time.Time) {
	defer t.since(time.Now(), 1)
	if t.annotated != 0 || t.unattributed != 0 {
		t.stats.Annotated.Add(t.annotated)
		t.stats.Unattributed.Add(t.unattributed)
		t.annotated, t.unattributed = 0, 0
	}
	if !t.auditClock.IsZero() {
		t.table.Release(t.auditClock)
	}
	t.exitMu.Lock()
	defer t.exitMu.Unlock()
	if t.exitHead == len(t.exits) {
		return
	}
	cutoff := now.Add(-t.cfg.ExitGrace)
	if t.auditClock.After(cutoff) {
		cutoff = t.auditClock
	}
	n := t.exitHead
	for n < len(t.exits) && !t.exits[n].at.After(cutoff) {
		n++
	}
	if n == t.exitHead {
		return
	}
	due := t.exits[t.exitHead:n]
	t.backend.Do(func(r *contid.Registry) {
		var drops []contid.OpRecord
		for _, e := range due {
			drops = append(drops, r.ExitHeld(e.p, e.ref)...)
		}
		if len(drops) > 0 {
			t.onRecords(drops)
		}
	})
	clear(due)
	t.exitHead = n
	// Consumed from the front; compacted once half is dead, so that an
	// exit costs amortised O(1) and the buffer is reused.
	switch {
	case t.exitHead == len(t.exits):
		t.exits, t.exitHead = t.exits[:0], 0
	case t.exitHead > len(t.exits)/2 && t.exitHead > 64:
		k := copy(t.exits, t.exits[t.exitHead:])
		t.exits, t.exitHead = t.exits[:k], 0
	}
}

// Annotate adds a CONTAINER_ID record for each record of the event that
// names a process with a contid, and " record=N" to the record it
// annotates. recs are payloads as the kernel sends them ("audit(...):
// fields"); annotated records are copied, the others are returned as they
// are. subject is the process the event is about (the SYSCALL's, or a
// standalone record's sender), zero when none was found. What an annotated
// event returns is valid until the next call: the daemon writes each event
// before it annotates the next, and reusing the memory keeps a stamped
// event from costing allocations.
func (t *Tracker) Annotate(types []uint32, recs [][]byte) (_ []uint32, _ [][]byte, subject contid.ProcID) {
	if len(recs) == 0 {
		return types, recs, subject
	}
	if t.annotations++; t.annotations%annotateSample == 0 {
		defer t.since(time.Now(), annotateSample)
	}
	at, stampLen, ok := parseStamp(recs[0])
	if ok && at.After(t.auditClock) {
		t.auditClock = at
	}
	t.targets = t.targets[:0]
	held := false // a target has a contid
	hasSyscall := slices.Contains(types, abi.AUDIT_SYSCALL)
	for i, typ := range types {
		var pid, ppid int32
		switch {
		case typ == abi.AUDIT_SYSCALL:
			pid, ppid = syscallPIDs(recs[i])
		case typ == abi.AUDIT_OBJ_PID:
			pid = fieldInt(recs[i], " opid=")
		case !hasSyscall && len(t.targets) == 0 && i == 0:
			pid = fieldInt(recs[i], " pid=")
		}
		if pid <= 0 {
			continue
		}
		p, tag, ok := t.table.AttributeTag(pid, ppid, at)
		if !ok {
			t.unattributed++
			continue
		}
		tp := contid.ProcID(p)
		if len(t.targets) == 0 || typ == abi.AUDIT_SYSCALL {
			subject = tp
		}
		t.targets = append(t.targets, target{idx: i, ref: contid.Ref(tag)})
		held = held || tag != 0
	}
	if !held {
		return types, recs, subject
	}
	var stamp []byte
	if ok {
		stamp = recs[0][:stampLen]
	} else {
		stamp = stampPrefix(recs[0])
	}
	// The records each annotated record becomes, and the CONTAINER_ID
	// records, go to outBuf; slices of it stay valid when a later append
	// moves it.
	t.outBuf, t.cids, t.marked = t.outBuf[:0], t.cids[:0], t.marked[:0]
	for _, tg := range t.targets {
		chain, ok := t.chainOf(tg.ref)
		if !ok {
			continue
		}
		n := tg.idx + 1
		start := len(t.outBuf)
		t.outBuf = append(t.outBuf, recs[tg.idx]...)
		t.outBuf = appendInt(append(t.outBuf, " record="...), n)
		t.marked = append(t.marked, marked{tg.idx, t.outBuf[start:len(t.outBuf):len(t.outBuf)]})
		start = len(t.outBuf)
		t.outBuf = appendInt(append(append(t.outBuf, stamp...), "record="...), n)
		t.outBuf = append(append(t.outBuf, " contid="...), chain...)
		t.cids = append(t.cids, t.outBuf[start:len(t.outBuf):len(t.outBuf)])
	}
	if len(t.cids) == 0 {
		return types, recs, subject
	}
	// CONTAINER_ID records go before a closing PROCTITLE: ausearch (and
	// contaudit search) end a syscall event at PROCTITLE in a log file,
	// where no EOE is written, and would cut them off into events of
	// their own. The caller's slices may alias the assembler's: the
	// event is built anew in outTypes and outRecs.
	tail := len(recs)
	if types[tail-1] == abi.AUDIT_PROCTITLE {
		tail--
	}
	outT := append(t.outTypes[:0], types[:tail]...)
	outR := append(t.outRecs[:0], recs[:tail]...)
	for _, cid := range t.cids {
		outT = append(outT, abi.AUDIT_CONTAINER_ID)
		outR = append(outR, cid)
	}
	outT = append(outT, types[tail:]...)
	outR = append(outR, recs[tail:]...)
	for _, mk := range t.marked {
		i := mk.idx
		if i >= tail {
			i += len(t.cids)
		}
		outR[i] = mk.rec
	}
	t.annotated++
	t.outTypes, t.outRecs = outT, outR
	return outT, outR, subject
}

// chainOf returns the rendered chain of the contid ref names. The last
// one asked is kept while the registry's version stands: under a storm
// every event names the same contid, and asking the registry takes its
// lock.
func (t *Tracker) chainOf(ref contid.Ref) ([]byte, bool) {
	v := t.backend.Version()
	if ref == t.chain.ref && v == t.chain.version && t.chain.text != nil {
		return t.chain.text, true
	}
	var (
		text []byte
		ok   bool
	)
	t.backend.View(func(r *contid.Registry) { text, ok = r.ChainRef(ref) })
	if ok {
		t.chain.ref, t.chain.version, t.chain.text = ref, v, text
	}
	return text, ok
}

// Member reports whether id is p's contid or an ancestor's; for
// contid.Unset, whether p has no contid. It is what a -F contid= rule asks.
func (t *Tracker) Member(p contid.ProcID, id uint64) bool {
	var in bool
	t.backend.View(func(r *contid.Registry) {
		if contid.ID(id) == contid.Unset {
			_, has := r.Lookup(p)
			in = !has
			return
		}
		in = r.InChain(p, contid.ID(id))
	})
	return in
}

// since adds n times the time since start to Stats.Nanos.
func (t *Tracker) since(start time.Time, n int64) {
	t.stats.Nanos.Add(uint64(n * int64(time.Since(start))))
}

// Stats returns the tracker's counters.
func (t *Tracker) Stats() *Stats { return &t.stats }

// LiveContids is the number of contids in the registry.
func (t *Tracker) LiveContids() int {
	var n int
	t.backend.View(func(r *contid.Registry) { n = len(r.List()) })
	return n
}

// parseStamp reads the time of "audit(SEC.MSEC:SERIAL): " (record.ScanStamp)
// and the length of that prefix, which a record added to the event repeats.
func parseStamp(rec []byte) (time.Time, int, bool) {
	sec, msec, _, end, ok := record.ScanStamp(rec)
	if !ok || !bytes.HasPrefix(rec[end:], []byte(": ")) {
		return time.Time{}, 0, false
	}
	return time.Unix(sec, int64(msec)*int64(time.Millisecond)), end + 2, true
}

// stampPrefix is "audit(SEC.MSEC:SERIAL): " of a record, which a record
// added to its event repeats.
func stampPrefix(rec []byte) []byte {
	if i := bytes.Index(rec, []byte("): ")); i >= 0 {
		return rec[:i+3]
	}
	if i := bytes.IndexByte(rec, ')'); i >= 0 {
		return append(rec[:i+1:i+1], ": "...)
	}
	return rec
}

// fieldInt reads the decimal value of the field named by key (" pid="):
// the body's first field, or else the first occurrence after a space. It
// returns 0 when the field is absent or not a number.
func fieldInt(rec []byte, key string) int32 {
	var i int
	if j := bytes.Index(rec, []byte("): ")); j >= 0 && bytes.HasPrefix(rec[j+3:], []byte(key[1:])) {
		i = j + 3 + len(key) - 1
	} else if j := bytes.Index(rec, []byte(key)); j >= 0 {
		i = j + len(key)
	} else {
		return 0
	}
	n, _ := leadingInt(rec[i:])
	return n
}

// syscallPIDs reads pid= and ppid= of a SYSCALL record in one pass. It
// runs for every event, so it looks for "pid=" (whose 'p' is rarer than
// the space bytes.Index would start from) and then checks what precedes.
// The kernel writes " pid=" right after ppid's value
// (audit_log_task_info), where it is taken without a second search.
func syscallPIDs(rec []byte) (pid, ppid int32) {
	for i := 0; i < len(rec); {
		j := bytes.Index(rec[i:], []byte("pid="))
		if j < 0 {
			break
		}
		j += i
		switch {
		case j >= 1 && rec[j-1] == ' ' && pid == 0:
			pid, _ = leadingInt(rec[j+4:])
		case j >= 2 && rec[j-1] == 'p' && rec[j-2] == ' ' && ppid == 0:
			var n int
			ppid, n = leadingInt(rec[j+4:])
			if k := j + 4 + n; pid == 0 && bytes.HasPrefix(rec[k:], []byte(" pid=")) {
				pid, _ = leadingInt(rec[k+5:])
			}
		}
		if pid != 0 && ppid != 0 {
			break
		}
		i = j + 4
	}
	return pid, ppid
}

// leadingInt reads the decimal at the start of b, and how many digits it
// took; 0 if none or too large.
func leadingInt(b []byte) (int32, int) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
		if n > 1<<31-1 {
			return 0, i
		}
	}
	return int32(n), i
}

func appendInt(b []byte, n int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
