package contid

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

// fakeTree is a process tree kept by hand: what the proc connector's table
// would answer, with reparenting to init on exit and PIDs that can be
// reused.
type fakeTree struct {
	procs   map[ProcID]*fakeProc
	byPID   map[int32]ProcID
	nextPID int32
	ticks   uint64
}

type fakeProc struct {
	parent   ProcID
	children map[ProcID]struct{}
	threads  int
	leader   bool
}

var initProc = ProcID{PID: 1, StartTime: 1}

func newFakeTree() *fakeTree {
	t := &fakeTree{procs: map[ProcID]*fakeProc{}, byPID: map[int32]ProcID{}, nextPID: 100, ticks: 10}
	t.procs[initProc] = &fakeProc{children: map[ProcID]struct{}{}, threads: 1, leader: true}
	t.byPID[1] = initProc
	return t
}

// spawn creates a child of parent with a fresh PID.
func (t *fakeTree) spawn(parent ProcID) ProcID {
	for {
		t.nextPID++
		if _, used := t.byPID[t.nextPID]; !used {
			return t.spawnPID(parent, t.nextPID)
		}
	}
}

// spawnPID creates a child of parent with the given PID, which must be free:
// the way to reuse the PID of an exited process.
func (t *fakeTree) spawnPID(parent ProcID, pid int32) ProcID {
	if _, used := t.byPID[pid]; used {
		panic(fmt.Sprintf("pid %d in use", pid))
	}
	pp := t.procs[parent]
	if pp == nil {
		panic(fmt.Sprintf("spawn from dead parent %v", parent))
	}
	t.ticks++
	p := ProcID{PID: pid, StartTime: t.ticks}
	t.procs[p] = &fakeProc{parent: parent, children: map[ProcID]struct{}{}, threads: 1, leader: true}
	t.byPID[pid] = p
	pp.children[p] = struct{}{}
	return p
}

// exit removes p and hands its children to init, as the kernel does when
// no subreaper is set.
func (t *fakeTree) exit(p ProcID) {
	fp := t.procs[p]
	if fp == nil || p == initProc {
		panic(fmt.Sprintf("exit of %v", p))
	}
	delete(t.procs[fp.parent].children, p)
	for c := range fp.children {
		t.procs[c].parent = initProc
		t.procs[initProc].children[c] = struct{}{}
	}
	delete(t.procs, p)
	delete(t.byPID, p.PID)
}

func (t *fakeTree) live() []ProcID {
	return slices.SortedFunc(maps.Keys(t.procs), ProcID.compare)
}

func (t *fakeTree) Alive(p ProcID) bool { return t.procs[p] != nil }

func (t *fakeTree) IsDescendant(p, ancestor ProcID) bool {
	fp := t.procs[p]
	if fp == nil || t.procs[ancestor] == nil {
		return false
	}
	for p != initProc {
		p = t.procs[p].parent
		if p == ancestor {
			return true
		}
	}
	return false
}

func (t *fakeTree) Children(p ProcID) int {
	if fp := t.procs[p]; fp != nil {
		return len(fp.children)
	}
	return 0
}

func (t *fakeTree) IsLeader(p ProcID) bool {
	fp := t.procs[p]
	return fp != nil && fp.leader
}

// world drives a fake tree and a registry together, as the process table
// will: every fork and exit reaches both.
type world struct {
	t    testing.TB
	tree *fakeTree
	reg  *Registry
}

func newWorld(t testing.TB, cfg Config) *world {
	tree := newFakeTree()
	return &world{t: t, tree: tree, reg: New(tree, cfg)}
}

func (w *world) fork(parent ProcID) ProcID {
	c := w.tree.spawn(parent)
	w.reg.Fork(parent, c)
	return c
}

func (w *world) forkPID(parent ProcID, pid int32) ProcID {
	c := w.tree.spawnPID(parent, pid)
	w.reg.Fork(parent, c)
	return c
}

func (w *world) exit(p ProcID) []OpRecord {
	w.tree.exit(p)
	return w.reg.Exit(p)
}

// priv is a writer holding the configured permission; unpriv one without.
func priv(p ProcID) Writer {
	return Writer{Proc: p, CanSetContid: true, UID: 0, AUID: 1000, Ses: 3, Comm: "runc", Exe: "/usr/bin/runc"}
}

func unpriv(p ProcID) Writer {
	return Writer{Proc: p, UID: 1000, AUID: 1000, Ses: 3, Comm: "podman", Exe: "/usr/bin/podman"}
}

// checkInvariants fails t when the registry's state does not hang together
// or disagrees with the tree.
func checkInvariants(t testing.TB, r *Registry, tree *fakeTree) {
	t.Helper()
	holders := map[*object]int{}
	nested := map[*object]int{}
	owned := map[ProcID]int{}
	r.holders.EachRef(func(p ProcID, ref Ref) bool {
		if k := key(p); k.proc() != p || !p.valid() {
			t.Fatalf("process %v does not round-trip through its key %#x", p, uint64(k))
		}
		o := r.object(ref)
		if o == nil || r.objects[o.id] != o {
			t.Fatalf("process %v holds Ref %#x, which names no live contid", p, uint64(ref))
		}
		if o.ref() != ref {
			t.Fatalf("process %v holds Ref %#x, contid %s's is %#x", p, uint64(ref), o.id, uint64(o.ref()))
		}
		if tree != nil && !tree.Alive(p) {
			t.Fatalf("exited process %v still holds contid %s", p, o.id)
		}
		holders[o]++
		return true
	})
	for id, o := range r.objects {
		if o.id != id || id == Unset {
			t.Fatalf("object %s filed under %s", o.id, id)
		}
		if int(o.slot) >= len(r.slots) || r.slots[o.slot] != o || r.gens[o.slot] != o.gen {
			t.Fatalf("contid %s: not in its slot %d", id, o.slot)
		}
		want := appendID(nil, o.id)
		for c := o.parent; c != nil; c = c.parent {
			want = appendID(append(want, ",^"...), c.id)
		}
		if string(o.chain) != string(want) {
			t.Fatalf("contid %s: chain %q, want %q", id, o.chain, want)
		}
		owned[o.owner]++
		if o.parent != nil {
			if r.objects[o.parent.id] != o.parent {
				t.Fatalf("contid %s: parent %s is not live", id, o.parent.id)
			}
			nested[o.parent]++
		}
		steps := 0
		for c := o; c != nil; c = c.parent {
			if steps++; steps > len(r.objects) {
				t.Fatalf("contid %s: parent cycle", id)
			}
		}
		if o.depth != steps {
			t.Fatalf("contid %s: depth %d, chain has %d", id, o.depth, steps)
		}
		if o.depth > r.cfg.MaxDepth {
			t.Fatalf("contid %s: depth %d above MaxDepth %d", id, o.depth, r.cfg.MaxDepth)
		}
	}
	for _, o := range r.objects {
		if o.holders != holders[o] || o.nested != nested[o] {
			t.Fatalf("contid %s: counts holders=%d nested=%d, actual %d %d", o.id, o.holders, o.nested, holders[o], nested[o])
		}
		if o.holders == 0 && o.nested == 0 {
			t.Fatalf("contid %s is live with no holder and no nested contid", o.id)
		}
	}
	if !maps.Equal(owned, r.owned) {
		t.Fatalf("owned counts %v, actual %v", r.owned, owned)
	}
	for p, n := range owned {
		if n > r.cfg.MaxPerOwner {
			t.Fatalf("owner %v owns %d, above MaxPerOwner %d", p, n, r.cfg.MaxPerOwner)
		}
	}
	if len(r.objects) > r.cfg.MaxTotal {
		t.Fatalf("%d contids live, above MaxTotal %d", len(r.objects), r.cfg.MaxTotal)
	}
	for p := range r.capcontid {
		if tree != nil && !tree.Alive(p) {
			t.Fatalf("exited process %v keeps capcontid", p)
		}
	}
}
