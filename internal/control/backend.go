package control

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/contaudit/contaudit/internal/contid"
	"github.com/contaudit/contaudit/internal/proctable"
	"golang.org/x/sys/unix"
)

// Process is what the backend's process table knows of a live process.
type Process struct {
	ID     contid.ProcID
	Parent contid.ProcID
	// StartEstimated says ID's start time is the process table's estimate
	// (within a tick of /proc's; see proctable.SameStart).
	StartEstimated bool
	// Identity printed in CONTAINER_OP records; AUID and Ses are
	// 4294967295 when unset.
	UID, AUID, Ses uint32
	Comm, Exe      string
}

// Backend is what the control API drives: the contid registry and the
// process table, behind one lock the daemon owns. Errors the registry
// decides are *contid.Error; anything else is an internal failure.
type Backend interface {
	// Identify returns the live process with this PID as the process table
	// knows it now (after applying the events already queued), or a
	// *contid.Error with ESRCH.
	Identify(pid int32) (Process, error)
	// Set, SetCapcontid and Get are the registry's operations. Set and
	// SetCapcontid record the CONTAINER_OP records of the attempt. Set
	// returns the contid it gave, the one it allocated when op.Allocate.
	Set(w contid.Writer, target contid.ProcID, op SetOp) (contid.ID, error)
	SetCapcontid(w contid.Writer, target contid.ProcID, on bool) error
	Get(reader contid.Writer, target contid.ProcID) (contid.ID, error)
	List() []contid.Container
	Tree() []contid.Node
	// Refused records an attempt the control API refused before the
	// registry saw it (the writer or the target is gone), so that every
	// attempt leaves a CONTAINER_OP record. rec.Err is set.
	Refused(rec contid.OpRecord)
}

// SetOp is a set request as the backend receives it.
type SetOp struct {
	// Contid is the value asked for, unless Allocate.
	Contid contid.ID
	// Allocate leaves the value to the backend, which chooses one no
	// process holds, under the same lock as the set.
	Allocate bool
	// Labels are the runtime's container ID and name, for the contid and
	// its record.
	Labels contid.Labels
}

// RegistryBackend is the Backend of the daemon: a contid.Registry over a
// proctable.Table. The registry is not safe for concurrent use, so every
// call into it, the daemon's fork and exit hooks included, goes through
// the backend's mutex (see Do).
type RegistryBackend struct {
	// version changes with every change to the registry (see Version).
	version atomic.Uint64
	mu      sync.Mutex
	reg     *contid.Registry
	table   *proctable.Table
	records func([]contid.OpRecord)
	alloc   *contid.Allocator
	barrier func()
}

// NewRegistryBackend returns a Backend around reg and table. records
// receives every CONTAINER_OP record of the control API's operations, in
// order, under the backend's lock: it must not call back into the backend.
// Values it allocates come from DefaultAllocator until SetAllocator.
func NewRegistryBackend(reg *contid.Registry, table *proctable.Table, records func([]contid.OpRecord)) *RegistryBackend {
	return &RegistryBackend{reg: reg, table: table, records: records, alloc: DefaultAllocator()}
}

// SetAllocator replaces the allocator of the values requests leave to the
// daemon, for a configured host part (see NewAllocator).
// SetRecordBarrier installs what Set calls before it changes anything: it
// returns once the records the kernel made until then are stamped (the
// daemon's RecordBarrier), so they get the contid their process had.
func (b *RegistryBackend) SetRecordBarrier(fn func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.barrier = fn
}

func (b *RegistryBackend) SetAllocator(a *contid.Allocator) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.alloc = a
}

// Do runs fn with the registry under the backend's lock: the daemon feeds
// forks and exits through it so that they are ordered with requests.
func (b *RegistryBackend) Do(fn func(*contid.Registry)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.version.Add(1)
	fn(b.reg)
}

// View runs fn with the registry under the backend's lock; fn must not
// change the registry.
func (b *RegistryBackend) View(fn func(*contid.Registry)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fn(b.reg)
}

// Version changes whenever the registry may have: after each Do, Set and
// SetCapcontid. What a reader derived from the registry under one version
// still holds while Version returns it, which lets the daemon keep a
// contid's chain between events without taking the lock.
func (b *RegistryBackend) Version() uint64 { return b.version.Load() }

// HoldersOf keeps the registry's contids in the process table's tags
// (contid.NewWith): the table copies a parent's Ref to the child as it
// applies the FORK, and its Changes carry the Ref, for Registry.Inherit
// and ExitHeld.
func HoldersOf(t *proctable.Table) contid.Holders { return tableHolders{t} }

type tableHolders struct{ t *proctable.Table }

func (h tableHolders) Ref(p contid.ProcID) contid.Ref { return contid.Ref(h.t.Tag(pt(p))) }
func (h tableHolders) SetRef(p contid.ProcID, r contid.Ref) bool {
	return h.t.SetTag(pt(p), uint64(r))
}

// Forget clears the exited process's Ref, so that a second exit of the
// same process (one taken for gone and found again) counts nothing.
func (h tableHolders) Forget(p contid.ProcID) { h.t.ClearTag(pt(p)) }

func (h tableHolders) EachRef(fn func(contid.ProcID, contid.Ref) bool) {
	h.t.EachTagged(func(id proctable.ProcID, tag uint64) bool { return fn(contid.ProcID(id), contid.Ref(tag)) })
}

// TreeOf adapts a process table to the contid.Tree the registry asks.
func TreeOf(t *proctable.Table) contid.Tree { return tableTree{t} }

type tableTree struct{ t *proctable.Table }

func pt(p contid.ProcID) proctable.ProcID {
	return proctable.ProcID{PID: p.PID, StartTime: p.StartTime}
}

func (a tableTree) Alive(p contid.ProcID) bool { return a.t.Alive(pt(p)) }
func (a tableTree) IsDescendant(p, ancestor contid.ProcID) bool {
	return a.t.IsDescendant(pt(p), pt(ancestor))
}
func (a tableTree) Children(p contid.ProcID) int { return a.t.NumChildren(pt(p)) }
func (a tableTree) IsLeader(p contid.ProcID) bool {
	return a.t.IsLeader(pt(p))
}

// sync applies the queued process events, outside the lock because the
// table's hooks take it. A request decided before a fork's event would
// miss the child.
func (b *RegistryBackend) sync() error {
	if err := b.table.Settle(); err != nil && !errors.Is(err, proctable.ErrClosed) {
		return fmt.Errorf("sync process table: %w", err)
	}
	return nil
}

func (b *RegistryBackend) Identify(pid int32) (Process, error) {
	if err := b.sync(); err != nil {
		return Process{}, err
	}
	// Refresh: the identity goes into CONTAINER_OP records, and a lazy
	// table may not have read it since the last exec.
	p, ok := b.table.Refresh(pid)
	if !ok {
		return Process{}, &contid.Error{Errno: unix.ESRCH, Reason: fmt.Sprintf("process %d does not exist", pid)}
	}
	return Process{
		ID:     contid.ProcID{PID: p.ID.PID, StartTime: p.ID.StartTime},
		Parent: contid.ProcID{PID: p.Parent.PID, StartTime: p.Parent.StartTime},
		UID:    p.UID, AUID: p.LoginUID, Ses: p.SessID, Comm: p.Comm, Exe: p.Exe,
		StartEstimated: p.Flags&proctable.StartEstimated != 0,
	}, nil
}

func (b *RegistryBackend) Set(w contid.Writer, target contid.ProcID, op SetOp) (contid.ID, error) {
	b.mu.Lock()
	barrier := b.barrier
	b.mu.Unlock()
	if barrier != nil {
		barrier()
	}
	if err := b.sync(); err != nil {
		return contid.Unset, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.version.Add(1)
	id := op.Contid
	if op.Allocate {
		// Chosen and set under one lock: nothing can take the value
		// in between.
		var err error
		if id, err = b.reg.Allocate(b.alloc); err != nil {
			b.records([]contid.OpRecord{{Op: contid.OpSet, Target: target, Contid: contid.Unset, OldContid: b.old(target), Writer: w, Labels: op.Labels, Err: err}})
			return contid.Unset, err
		}
	}
	recs, err := b.reg.SetLabeled(w, target, id, op.Labels)
	b.records(recs)
	return id, err
}

func (b *RegistryBackend) old(p contid.ProcID) contid.ID {
	id, _ := b.reg.Lookup(p)
	return id
}

func (b *RegistryBackend) SetCapcontid(w contid.Writer, target contid.ProcID, on bool) error {
	if err := b.sync(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.version.Add(1)
	rec, err := b.reg.SetCapcontid(w, target, on)
	b.records([]contid.OpRecord{rec})
	return err
}

func (b *RegistryBackend) Get(reader contid.Writer, target contid.ProcID) (contid.ID, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reg.Get(reader, target)
}

func (b *RegistryBackend) List() []contid.Container {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reg.List()
}

func (b *RegistryBackend) Tree() []contid.Node {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reg.Tree()
}

func (b *RegistryBackend) Refused(rec contid.OpRecord) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.records([]contid.OpRecord{rec})
}
