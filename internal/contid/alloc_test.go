package contid

import (
	"math"
	"testing"

	"golang.org/x/sys/unix"
)

func TestAllocatorValues(t *testing.T) {
	a, err := NewAllocator(0xabcdef, 24, 41)
	if err != nil {
		t.Fatal(err)
	}
	if part, bits := a.Host(); part != 0xabcdef || bits != 24 {
		t.Errorf("Host() = %#x, %d", part, bits)
	}
	r := New(newFakeTree(), Config{})
	for i := range 3 {
		id, err := r.Allocate(a)
		if err != nil {
			t.Fatal(err)
		}
		if want := ID(0xabcdef<<40 | uint64(41+i)); id != want {
			t.Errorf("draw %d: %#x, want %#x", i, uint64(id), uint64(want))
		}
	}
	// The counter wraps inside its bits and never touches the host part.
	a, _ = NewAllocator(0xabcdef, 24, math.MaxUint64)
	first, _ := r.Allocate(a)
	second, _ := r.Allocate(a)
	if first != ID(0xabcdef<<40|(1<<40-1)) || second != ID(0xabcdef<<40) {
		t.Errorf("wrap: %#x then %#x", uint64(first), uint64(second))
	}
	for _, c := range []struct {
		host uint64
		bits int
	}{{1, 0}, {1 << 24, 24}, {0, -1}, {0, 33}} {
		if _, err := NewAllocator(c.host, c.bits, 0); err == nil {
			t.Errorf("NewAllocator(%#x, %d) accepted", c.host, c.bits)
		}
	}
	if a, err := NewAllocator(0, 0, 5); err != nil || a.draw() != 5 {
		t.Errorf("no host part: %v", err)
	}
}

// Allocation never yields the unset value nor a live one, pending ones
// included, so a set with it never meets ENOTUNIQ.
func TestAllocateSkipsLiveAndUnset(t *testing.T) {
	w := newWorld(t, Config{})
	host := w.fork(initProc)
	n1 := w.fork(host)
	// An all-ones host part with the counter two below its top draws a
	// value, then Unset, then wraps to the bottom.
	a, err := NewAllocator(1<<32-1, 32, 1<<32-2)
	if err != nil {
		t.Fatal(err)
	}
	base := ID(uint64(1<<32-1) << 32)
	pending, live := base, base|(1<<32-2)
	w.set(t, priv(host), n1, pending, 0)
	n2 := w.fork(n1)
	w.set(t, priv(n1), n2, live, 0) // nested in pending
	w.exit(n1)                      // pending now has no holder, only n2's nested contid
	if l := w.reg.List(); len(l) != 2 || l[0].ID != pending || len(l[0].Holders) != 0 {
		t.Fatalf("setup: %+v", l)
	}
	id, err := w.reg.Allocate(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := base | 1; id != want {
		t.Fatalf("Allocate = %#x, want %#x (past a live value, Unset and a pending value)", uint64(id), uint64(want))
	}
	c := w.fork(host)
	w.set(t, priv(host), c, id, 0)
}

// With every draw live, Allocate gives up with ENOTUNIQ after a bounded
// number of tries rather than spinning.
func TestAllocateBounded(t *testing.T) {
	w := newWorld(t, Config{})
	rt := w.fork(initProc)
	for i := range maxAllocTries {
		c := w.fork(rt)
		w.set(t, priv(rt), c, ID(i), 0)
	}
	a, _ := NewAllocator(0, 0, 0)
	_, err := w.reg.Allocate(a)
	wantErrno(t, err, unix.ENOTUNIQ)
	if id, err := w.reg.Allocate(a); err != nil || id != maxAllocTries {
		// The failed call consumed its draws; the next continues after.
		t.Fatalf("Allocate after exhaustion = %d, %v", id, err)
	}
}

// Many allocations from one allocator, interleaved with exits, are unique
// among the live ones and never Unset.
func TestAllocateUnique(t *testing.T) {
	w := newWorld(t, Config{})
	rt := w.fork(initProc)
	a, _ := NewAllocator(HostPart([]byte("0123456789abcdef0123456789abcdef"), DefaultHostBits), DefaultHostBits, math.MaxUint64-5)
	seen := map[ID]bool{}
	var live []ProcID
	for i := range 2000 {
		id, err := w.reg.Allocate(a)
		if err != nil {
			t.Fatal(err)
		}
		if id == Unset || seen[id] {
			t.Fatalf("draw %d: %s again", i, id)
		}
		seen[id] = true
		c := w.fork(rt)
		w.set(t, priv(rt), c, id, 0)
		live = append(live, c)
		if i%3 == 0 {
			w.exit(live[0])
			live = live[1:]
		}
	}
}

func TestHostPart(t *testing.T) {
	id := []byte("4c4c4544003910518035b4c04f4d4e32")
	p := HostPart(id, 24)
	if p>>24 != 0 || p == 0 {
		t.Fatalf("HostPart = %#x", p)
	}
	if HostPart(id, 24) != p {
		t.Error("HostPart is not stable")
	}
	if HostPart([]byte("4c4c4544003910518035b4c04f4d4e33"), 24) == p {
		t.Error("another machine ID gives the same part")
	}
	if HostPart(id, 16) != p>>8 {
		t.Error("a narrower part is not the prefix of the wider one")
	}
	if HostPart(id, 0) != 0 {
		t.Error("zero bits")
	}
	// The part is not the ID's own bits.
	if p == 0x4c4c45 {
		t.Error("HostPart shows the machine ID")
	}
}
