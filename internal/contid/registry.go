package contid

import (
	"cmp"
	"slices"

	"golang.org/x/sys/unix"
)

// ProcID names a process across PID reuse: a PID is recycled, a PID with
// its start time (clock ticks after boot, field 22 of /proc/PID/stat) is not.
type ProcID struct {
	PID       int32  `json:"pid"`
	StartTime uint64 `json:"start_time"`
}

// IsZero reports whether p names no process.
func (p ProcID) IsZero() bool { return p == ProcID{} }

// procKey packs a ProcID into 8 bytes, so that the map of holders, which
// every fork and exit of a contained process touches, takes Go's fast path
// for 8-byte keys: PIDs stay below 2^22 (the kernel's PID_MAX_LIMIT) and
// start times, in clock ticks, below 2^42 (1,390 years of uptime). A
// snapshot is the one way in for other values, and Restore refuses them.
type procKey uint64

const (
	keyStartBits = 42
	keyPIDBits   = 22
)

func key(p ProcID) procKey {
	return procKey(uint64(uint32(p.PID)&(1<<keyPIDBits-1))<<keyStartBits | p.StartTime&(1<<keyStartBits-1))
}

func (k procKey) proc() ProcID {
	return ProcID{PID: int32(k >> keyStartBits), StartTime: uint64(k) & (1<<keyStartBits - 1)}
}

// valid reports whether p survives packing into a procKey.
func (p ProcID) valid() bool {
	return p.PID >= 0 && p.PID < 1<<keyPIDBits && p.StartTime < 1<<keyStartBits
}

func (p ProcID) compare(q ProcID) int {
	if c := cmp.Compare(p.PID, q.PID); c != 0 {
		return c
	}
	return cmp.Compare(p.StartTime, q.StartTime)
}

// Tree is what the registry needs to know about live processes. The process
// table implements it; the answers must describe the moment of the call.
type Tree interface {
	// Alive reports whether p runs: its PID exists with p's start time. A
	// reused PID is not alive as the old ProcID.
	Alive(p ProcID) bool
	// IsDescendant reports whether ancestor is a strict ancestor of p along
	// the real-parent chain (as the kernel's task_is_descendant walks it,
	// after any reparenting). False when either has exited.
	IsDescendant(p, ancestor ProcID) bool
	// Children is the number of live child processes of p (not threads).
	Children(p ProcID) int
	// IsLeader reports whether p is a live thread-group leader (a
	// process, not one of its threads). Other threads may run: see
	// the EBUSY row of docs/contid.md.
	IsLeader(p ProcID) bool
}

// Writer is the process that asks for an operation, as the control API
// identified it from the kernel (peer credentials and a pidfd), never from
// what the client claims.
type Writer struct {
	Proc ProcID
	// Via is the process that connected on the writer's behalf when the
	// control API resolved a contaudit CLI or OCI hook to its parent, zero
	// otherwise. It is not counted among the writer's children: in the
	// kernel design the orchestrator wrote the proc file itself, so
	// `contaudit contid set $$ ID` must fail as a self-write (EXDEV), not
	// because the CLI it ran is its child (EBUSY).
	Via ProcID
	// CanSetContid says the writer holds the configured permission (by
	// default CAP_AUDIT_CONTROL in the initial user namespace). The caller
	// decides it; the registry only knows capcontid delegations.
	CanSetContid bool
	// Identity printed in CONTAINER_OP records.
	UID, AUID uint32
	Ses       uint32
	Comm, Exe string
}

// Labels name a contid's container as its runtime knows it, so that users
// can find the contid of the container they started by its name. Audit gives
// them no meaning: they are kept on the contid, listed with it and printed in
// op=set records.
type Labels struct {
	// ID is the runtime's container ID (the OCI state's id).
	ID string `json:"id,omitempty"`
	// Name is the container's name as people know it.
	Name string `json:"name,omitempty"`
}

// MaxLabelLen bounds each label, in bytes. Labels go into records and into
// the daemon's memory on a writer's word, so they are bounded like every
// other thing a writer can make the daemon keep; 256 holds a 64-hex runtime
// ID and any Kubernetes "namespace/pod/container" of sane length.
const MaxLabelLen = 256

// IsZero reports whether l names nothing.
func (l Labels) IsZero() bool { return l == Labels{} }

func (l Labels) check() error {
	if len(l.ID) > MaxLabelLen || len(l.Name) > MaxLabelLen {
		return errorf(unix.EINVAL, "container id and name are limited to %d bytes each", MaxLabelLen)
	}
	return nil
}

// Config holds the limits. A zero field takes its default.
type Config struct {
	// MaxDepth bounds the number of contids in a chain, the process's own
	// included (EMLINK beyond it).
	MaxDepth int
	// MaxPerOwner bounds the live contids one writer owns (ENOSPC).
	MaxPerOwner int
	// MaxTotal bounds the live contids in the registry (ENOSPC).
	MaxTotal int
}

// Default limits; the package documentation says why these values.
const (
	DefaultMaxDepth    = 5
	DefaultMaxPerOwner = 8192
	DefaultMaxTotal    = 65536
)

func (c Config) withDefaults() Config {
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxPerOwner <= 0 {
		c.MaxPerOwner = DefaultMaxPerOwner
	}
	if c.MaxTotal <= 0 {
		c.MaxTotal = DefaultMaxTotal
	}
	return c
}

// object is a live contid. It is referenced by the processes that hold it
// and by the contids nested in it, so a chain never points at a released
// value: the parent outlives its nested contids even when its own
// processes are gone ("pending release").
type object struct {
	id      ID
	owner   ProcID
	parent  *object
	depth   int // contids in the chain, this one included
	holders int // processes holding it
	nested  int // objects whose parent this is
	labels  Labels
	slot    uint32 // in Registry.slots; with gen, what its Ref names
	gen     uint32
	chain   []byte // "4,^2,^1", rendered once: a CONTAINER_ID record's contid=
}

func (o *object) ref() Ref { return makeRef(o.slot, o.gen) }

// Registry holds the contids of processes and the rules to change them. It
// does no I/O and starts no goroutine; it is not safe for concurrent use.
// The owner must feed it fork and exit events and control requests from one
// goroutine, in the order they happened, because a Set decided between a
// fork and the fork's event would miss the child.
type Registry struct {
	tree      Tree
	holders   Holders // which contid each process holds, by Ref
	cfg       Config
	stopped   bool
	objects   map[ID]*object // live contids, pending ones included
	slots     []*object      // live contids by Ref slot; nil where free
	gens      []uint32       // each slot's generation
	free      []uint32       // free slots
	owned     map[ProcID]int // live contids per owner
	capcontid map[ProcID]struct{}
}

// New returns an empty, running registry that asks tree about processes
// and keeps their contids itself (NewMapHolders).
func New(tree Tree, cfg Config) *Registry { return NewWith(tree, NewMapHolders(), cfg) }

// NewWith is New with the processes' contids kept in holders.
func NewWith(tree Tree, holders Holders, cfg Config) *Registry {
	return &Registry{
		tree:      tree,
		holders:   holders,
		cfg:       cfg.withDefaults(),
		objects:   make(map[ID]*object),
		owned:     make(map[ProcID]int),
		capcontid: make(map[ProcID]struct{}),
	}
}

// object returns the live contid ref names, nil if none.
func (r *Registry) object(ref Ref) *object {
	if ref == 0 {
		return nil
	}
	slot, gen := ref.split()
	if int(slot) < len(r.slots) {
		if o := r.slots[slot]; o != nil && o.gen == gen {
			return o
		}
	}
	return nil
}

// held returns p's contid, nil if none.
func (r *Registry) held(p ProcID) *object { return r.object(r.holders.Ref(p)) }

// add files a new contid: in objects, in a slot, with its chain rendered.
func (r *Registry) add(o *object) {
	if n := len(r.free); n > 0 {
		o.slot = r.free[n-1]
		r.free = r.free[:n-1]
	} else {
		o.slot = uint32(len(r.slots))
		r.slots = append(r.slots, nil)
		r.gens = append(r.gens, 0)
	}
	o.gen = r.gens[o.slot]
	r.slots[o.slot] = o
	r.objects[o.id] = o
	o.chain = appendID(nil, o.id)
	if o.parent != nil {
		o.chain = append(append(o.chain, ",^"...), o.parent.chain...)
	}
}

// remove unfiles a released contid; its slot's next tenant gets another
// generation, so Refs to this one name nothing.
func (r *Registry) remove(o *object) {
	delete(r.objects, o.id)
	r.slots[o.slot] = nil
	r.gens[o.slot]++
	r.free = append(r.free, o.slot)
}

// Config returns the limits in force, defaults filled in.
func (r *Registry) Config() Config { return r.cfg }

// SetRunning starts or stops container auditing. A stopped registry refuses
// Set, Get and SetCapcontid with ENOPROTOOPT but keeps following forks and
// exits, so that existing contids stay right when it runs again.
func (r *Registry) SetRunning(on bool) { r.stopped = !on }

// Running reports whether the registry accepts requests.
func (r *Registry) Running() bool { return !r.stopped }

// Lookup returns the contid of p, or Unset and false. It is the attribution
// hot path: one map lookup, no allocation.
func (r *Registry) Lookup(p ProcID) (ID, bool) {
	if o := r.held(p); o != nil {
		return o.id, true
	}
	return Unset, false
}

// InChain reports whether id is p's contid or one of its ancestors, which is
// what a -F contid= rule matches. It is false for Unset: contid=unset
// matches the processes Lookup finds nothing for.
func (r *Registry) InChain(p ProcID, id ID) bool {
	for o := r.held(p); o != nil; o = o.parent {
		if o.id == id {
			return true
		}
	}
	return false
}

// HasDelegations reports whether any process holds a capcontid
// delegation: only then does the exit of a process without a contid
// concern the registry.
func (r *Registry) HasDelegations() bool { return len(r.capcontid) > 0 }

// HasCapcontid reports whether p holds a capcontid delegation.
func (r *Registry) HasCapcontid(p ProcID) bool {
	_, ok := r.capcontid[p]
	return ok
}

// Fork records that parent created child: the child holds the parent's
// contid as it was at the fork, and no capcontid. A child already known
// keeps its contid, so a fork event seen twice changes nothing. Fork and
// Exit are about processes; the caller leaves thread creation out. A
// Holders that copies the parent's Ref itself tells the registry with
// Inherit instead.
func (r *Registry) Fork(parent, child ProcID) {
	ref := r.holders.Ref(parent)
	o := r.object(ref)
	if o == nil || r.held(child) != nil {
		return
	}
	if r.holders.SetRef(child, ref) {
		o.holders++
	}
}

// Inherit counts one more holder of the contid ref names: a process the
// Holders store gave its parent's Ref as it forked. A Ref whose contid is
// gone counts nothing.
func (r *Registry) Inherit(ref Ref) {
	if o := r.object(ref); o != nil {
		o.holders++
	}
}

// Exit records that p exited. It returns the CONTAINER_OP drop records of
// the contids p's exit released: its own when p was the last holder and no
// nested contid refers to it, then each ancestor left without references.
// It allocates only when something is dropped.
func (r *Registry) Exit(p ProcID) []OpRecord { return r.ExitHeld(p, r.holders.Ref(p)) }

// ExitHeld is Exit for a process known to have held ref (0 for none): the
// process table reports the Ref with the exit, which spares the lookup.
func (r *Registry) ExitHeld(p ProcID, ref Ref) []OpRecord {
	if len(r.capcontid) > 0 {
		delete(r.capcontid, p)
	}
	o := r.object(ref)
	if o == nil {
		return nil
	}
	r.holders.Forget(p)
	o.holders--
	return r.release(o, p, nil)
}

// release drops o and then its ancestors while nothing refers to them, and
// appends a drop record for each, attributed to the process whose exit or
// move caused it.
func (r *Registry) release(o *object, opid ProcID, recs []OpRecord) []OpRecord {
	for o != nil && o.holders == 0 && o.nested == 0 {
		r.remove(o)
		if n := r.owned[o.owner] - 1; n > 0 {
			r.owned[o.owner] = n
		} else {
			delete(r.owned, o.owner)
		}
		recs = append(recs, OpRecord{Op: OpDrop, Target: opid, Contid: Unset, OldContid: o.id})
		p := o.parent
		if p != nil {
			p.nested--
		}
		o = p
	}
	return recs
}

// Reconcile drops every process the tree no longer knows alive, as Exit
// would, for when exit events were lost (a proc connector overrun, a
// restart). It returns the drop records, ordered by PID.
func (r *Registry) Reconcile() []OpRecord {
	var dead []ProcID
	r.holders.EachRef(func(p ProcID, ref Ref) bool {
		if r.object(ref) != nil && !r.tree.Alive(p) {
			dead = append(dead, p)
		}
		return true
	})
	for p := range r.capcontid {
		if r.held(p) == nil && !r.tree.Alive(p) {
			dead = append(dead, p)
		}
	}
	slices.SortFunc(dead, ProcID.compare)
	var recs []OpRecord
	for _, p := range dead {
		recs = append(recs, r.Exit(p)...)
	}
	return recs
}

// Set gives target the contid id on behalf of w, after the spec's checks in
// the spec's order. It always returns at least one record: the first is the
// op=set CONTAINER_OP record of the attempt (failed when err is not nil);
// drop records follow when the target's previous contid was released by the
// move. A non-nil error is an *Error.
func (r *Registry) Set(w Writer, target ProcID, id ID) ([]OpRecord, error) {
	return r.SetLabeled(w, target, id, Labels{})
}

// SetLabeled is Set with the runtime's name for the container. A new
// contid keeps the labels; an injection only fills in those its contid
// lacks, so that the container keeps the name it was created with. The
// op=set record carries the labels asked for. Labels longer than
// MaxLabelLen are refused with EINVAL, after the unset value.
func (r *Registry) SetLabeled(w Writer, target ProcID, id ID, labels Labels) ([]OpRecord, error) {
	old := r.held(target)
	rec := OpRecord{Op: OpSet, Target: target, Contid: id, OldContid: Unset, Writer: w, Labels: labels}
	if old != nil {
		rec.OldContid = old.id
	}
	existing, parent, err := r.checkSet(w, target, id, labels, old)
	if err != nil {
		rec.Err = err
		return []OpRecord{rec}, err
	}
	o := existing
	if o == nil {
		o = &object{id: id, owner: w.Proc, parent: parent, depth: 1, labels: labels}
		if parent != nil {
			o.depth = parent.depth + 1
		}
		r.add(o)
	}
	if !r.holders.SetRef(target, o.ref()) {
		// Gone between the checks and now (a store that follows the
		// kernel can lose a process at any time).
		if existing == nil {
			r.remove(o)
		}
		rec.Err = errorf(unix.ESRCH, "target %d does not exist", target.PID)
		return []OpRecord{rec}, rec.Err
	}
	recs := []OpRecord{rec}
	if existing != nil {
		if o.labels.ID == "" {
			o.labels.ID = labels.ID
		}
		if o.labels.Name == "" {
			o.labels.Name = labels.Name
		}
	} else {
		if parent != nil {
			parent.nested++
		}
		r.owned[w.Proc]++
	}
	o.holders++
	if old != nil {
		old.holders--
		recs = r.release(old, target, recs)
	}
	return recs, nil
}

// checkSet applies the spec's checks in order. It returns the object to
// inject when id is live and owned by w, or else the parent of the new
// object (nil at the top).
func (r *Registry) checkSet(w Writer, target ProcID, id ID, labels Labels, old *object) (existing, parent *object, err error) {
	if r.stopped {
		return nil, nil, errorf(unix.ENOPROTOOPT, "container auditing is not running")
	}
	if err := r.checkAlive("writer", w, target); err != nil {
		return nil, nil, err
	}
	if id == Unset {
		return nil, nil, errorf(unix.EINVAL, "-1 (%d) is the unset value; a contid cannot be unset", uint64(Unset))
	}
	if err := labels.check(); err != nil {
		return nil, nil, err
	}
	if !w.CanSetContid && !r.HasCapcontid(w.Proc) {
		return nil, nil, errorf(unix.EPERM, "writer %d has neither the permission to set contids nor a capcontid delegation", w.Proc.PID)
	}
	children := r.tree.Children(target)
	if target == w.Proc && !w.Via.IsZero() && r.tree.IsDescendant(w.Via, w.Proc) {
		children--
	}
	if children > 0 {
		return nil, nil, errorf(unix.EBUSY, "target %d has children", target.PID)
	}
	// The kernel design also refused a target with several threads,
	// because it kept the contid per thread and could not set a whole
	// group at once. contaudit keeps it per thread group, so every
	// thread has it the moment it is set; and an OCI runtime's init
	// (runc's is Go, with threads from its first instruction) could
	// otherwise never be given one from a hook.
	if !r.tree.IsLeader(target) {
		return nil, nil, errorf(unix.EBUSY, "target %d is not a thread-group leader", target.PID)
	}
	if target == w.Proc {
		return nil, nil, errorf(unix.EXDEV, "target %d is the writer itself", target.PID)
	}
	if !r.tree.IsDescendant(target, w.Proc) {
		return nil, nil, errorf(unix.EXDEV, "target %d is not a descendant of the writer %d", target.PID, w.Proc.PID)
	}
	if old != nil {
		if old.owner == w.Proc {
			return nil, nil, errorf(unix.EEXIST, "target %d already has contid %s, set by this writer; only a writer below the owner may nest another", target.PID, old.id)
		}
		if !r.tree.IsDescendant(w.Proc, old.owner) {
			return nil, nil, errorf(unix.EEXIST, "target %d already has contid %s and the writer %d is not a descendant of its owner %d", target.PID, old.id, w.Proc.PID, old.owner.PID)
		}
	}
	if o := r.objects[id]; o != nil {
		if o.owner != w.Proc {
			if o.holders == 0 {
				return nil, nil, errorf(unix.ENOTUNIQ, "contid %s is not released yet: its processes exited but contids nested in it live", id)
			}
			return nil, nil, errorf(unix.ENOTUNIQ, "contid %s is in use and owned by another writer %d", id, o.owner.PID)
		}
		return o, nil, nil
	}
	parent = r.held(w.Proc)
	depth := 1
	if parent != nil {
		depth = parent.depth + 1
	}
	if depth > r.cfg.MaxDepth {
		return nil, nil, errorf(unix.EMLINK, "contid %s would be nested %d deep, more than the limit %d", id, depth, r.cfg.MaxDepth)
	}
	if n := r.owned[w.Proc]; n >= r.cfg.MaxPerOwner {
		return nil, nil, errorf(unix.ENOSPC, "writer %d already owns %d live contids, the limit", w.Proc.PID, n)
	}
	if n := len(r.objects); n >= r.cfg.MaxTotal {
		return nil, nil, errorf(unix.ENOSPC, "%d contids are live, the limit", n)
	}
	return nil, parent, nil
}

func (r *Registry) checkAlive(role string, w Writer, target ProcID) error {
	if !r.tree.Alive(w.Proc) {
		return errorf(unix.ESRCH, "%s %d has exited", role, w.Proc.PID)
	}
	if !r.tree.Alive(target) {
		return errorf(unix.ESRCH, "target %d does not exist", target.PID)
	}
	return nil
}

// Get returns target's contid (Unset when it has none) for reader. The
// permission is the one to set: a reader with the configured permission
// reads any process; a reader with only a capcontid delegation reads its
// own descendants.
func (r *Registry) Get(reader Writer, target ProcID) (ID, error) {
	if r.stopped {
		return Unset, errorf(unix.ENOPROTOOPT, "container auditing is not running")
	}
	if err := r.checkAlive("reader", reader, target); err != nil {
		return Unset, err
	}
	if !reader.CanSetContid {
		if !r.HasCapcontid(reader.Proc) {
			return Unset, errorf(unix.EPERM, "reader %d has neither the permission to read contids nor a capcontid delegation", reader.Proc.PID)
		}
		if target == reader.Proc {
			return Unset, errorf(unix.EXDEV, "target %d is the reader itself, and a capcontid delegation covers descendants only", target.PID)
		}
		if !r.tree.IsDescendant(target, reader.Proc) {
			return Unset, errorf(unix.EXDEV, "target %d is not a descendant of the reader %d", target.PID, reader.Proc.PID)
		}
	}
	id, _ := r.Lookup(target)
	return id, nil
}

// SetCapcontid grants (on) or withdraws target's capcontid delegation: the
// right to set and read the contids of its own descendants without the
// configured permission. The writer needs the permission or a delegation of
// its own, and target must be its descendant, so a delegation never reaches
// outside the subtree it was given for. Unlike the posted v11 code, the
// check does not depend on the writer's user namespace. The record is an
// op=capcontid CONTAINER_OP, failed when err is not nil.
func (r *Registry) SetCapcontid(w Writer, target ProcID, on bool) (OpRecord, error) {
	was := r.HasCapcontid(target)
	rec := OpRecord{Op: OpCapcontid, Target: target, Contid: Unset, OldContid: Unset, Capcontid: on, OldCapcontid: was, Writer: w}
	err := r.checkCapcontid(w, target)
	if err != nil {
		rec.Err = err
		return rec, err
	}
	if on {
		r.capcontid[target] = struct{}{}
	} else {
		delete(r.capcontid, target)
	}
	return rec, nil
}

func (r *Registry) checkCapcontid(w Writer, target ProcID) error {
	if r.stopped {
		return errorf(unix.ENOPROTOOPT, "container auditing is not running")
	}
	if err := r.checkAlive("writer", w, target); err != nil {
		return err
	}
	if !w.CanSetContid && !r.HasCapcontid(w.Proc) {
		return errorf(unix.EPERM, "writer %d has neither the permission to delegate capcontid nor a capcontid delegation", w.Proc.PID)
	}
	if target == w.Proc {
		return errorf(unix.EXDEV, "target %d is the writer itself", target.PID)
	}
	if !r.tree.IsDescendant(target, w.Proc) {
		return errorf(unix.EXDEV, "target %d is not a descendant of the writer %d", target.PID, w.Proc.PID)
	}
	return nil
}
