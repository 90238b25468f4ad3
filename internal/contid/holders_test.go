package contid

import (
	"strings"
	"testing"
)

// tableLike is a Holders that, like the process table, gives a child its
// parent's Ref itself at fork and refuses processes it does not know.
type tableLike struct {
	mapHolders
	tree *fakeTree
}

func (h tableLike) SetRef(p ProcID, r Ref) bool {
	if !h.tree.Alive(p) {
		return false
	}
	return h.mapHolders.SetRef(p, r)
}

func (h tableLike) EachRef(fn func(ProcID, Ref) bool) {
	h.mapHolders.EachRef(func(p ProcID, r Ref) bool { return !h.tree.Alive(p) || fn(p, r) })
}

// forkCopy is what the process table does at a FORK: the child takes the
// parent's Ref, and the registry is told to count it.
func forkCopy(r *Registry, h tableLike, parent, child ProcID) {
	if ref := h.Ref(parent); ref != 0 {
		h.SetRef(child, ref)
		r.Inherit(ref)
	}
}

func TestInheritAndExitHeld(t *testing.T) {
	tree := newFakeTree()
	h := tableLike{mapHolders{}, tree}
	r := NewWith(tree, h, Config{})
	writer := tree.spawn(initProc)
	target := tree.spawn(writer)
	if _, err := r.Set(priv(writer), target, 42); err != nil {
		t.Fatal(err)
	}
	ref := h.Ref(target)
	child := tree.spawn(target)
	forkCopy(r, h, target, child)
	checkInvariants(t, r, tree)
	if c := r.List()[0]; len(c.Holders) != 2 {
		t.Fatalf("holders %v, want target and child", c.Holders)
	}
	if b, ok := r.ChainRef(ref); !ok || string(b) != "42" {
		t.Fatalf("ChainRef = %q %v", b, ok)
	}
	tree.exit(target)
	if recs := r.ExitHeld(target, ref); len(recs) != 0 {
		t.Fatalf("first exit dropped: %s", recStrings(recs))
	}
	// A second exit of the same process (taken for gone and found again)
	// counts nothing: Forget cleared its Ref.
	if recs := r.Exit(target); len(recs) != 0 {
		t.Fatalf("second exit: %s", recStrings(recs))
	}
	tree.exit(child)
	recs := r.ExitHeld(child, ref)
	if got := recStrings(recs); got != "op=drop opid="+pidStr(child)+" contid=-1 old-contid=42" {
		t.Fatalf("last exit: %q", got)
	}
	checkInvariants(t, r, tree)
	// The slot is taken again; the old Ref names nothing.
	other := tree.spawn(writer)
	if _, err := r.Set(priv(writer), other, 43); err != nil {
		t.Fatal(err)
	}
	if newRef := h.Ref(other); newRef == ref {
		t.Fatalf("a new contid got the released one's Ref %#x", uint64(ref))
	}
	if _, ok := r.ChainRef(ref); ok {
		t.Fatal("a released contid's Ref still resolves")
	}
	r.Inherit(ref) // counts nothing
	checkInvariants(t, r, tree)
}

// A snapshot's process the store does not take (it exited while the
// daemon was down) drops its contid, with itself as opid.
func TestRestoreWithGone(t *testing.T) {
	tree := newFakeTree()
	r := New(tree, Config{})
	writer := tree.spawn(initProc)
	a, b := tree.spawn(writer), tree.spawn(writer)
	for _, p := range []ProcID{a, b} {
		if _, err := r.Set(priv(writer), p, ID(100+p.PID)); err != nil {
			t.Fatal(err)
		}
	}
	data, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	tree.exit(b)
	h := tableLike{mapHolders{}, tree}
	r2, recs, err := RestoreWith(data, tree, h, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := recStrings(recs); !strings.HasPrefix(got, "op=drop opid="+pidStr(b)+" ") || strings.Contains(got, "|") {
		t.Fatalf("drops %q, want one for %v", got, b)
	}
	if id, ok := r2.Lookup(a); !ok || id != ID(100+a.PID) {
		t.Fatalf("a's contid after restore: %v %v", id, ok)
	}
	checkInvariants(t, r2, tree)
}
