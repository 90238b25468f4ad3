package contid

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// allowed are the errnos Set, Get and SetCapcontid may return.
var allowed = []unix.Errno{unix.ENOPROTOOPT, unix.ESRCH, unix.EINVAL, unix.EPERM, unix.EBUSY, unix.EXDEV, unix.EEXIST, unix.ENOTUNIQ, unix.EMLINK, unix.ENOSPC}

// runOps interprets data as a sequence of forks, exits, sets, delegations,
// reads and restarts over a small tree, with tight limits, and checks the
// registry's invariants after every step: each live contid has a live
// holder or a nested contid (pending release), chains are acyclic and no
// deeper than MaxDepth, counts stay within the limits, a value keeps its
// owner while it lives, and children inherit.
func runOps(t *testing.T, data []byte) {
	cfg := Config{MaxDepth: 2, MaxPerOwner: 3, MaxTotal: 6}
	w := newWorld(t, cfg)
	orch := w.fork(initProc)
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	pick := func() ProcID {
		live := w.tree.live()
		return live[next()%len(live)]
	}
	for steps := 0; len(data) > 0 && steps < 400; steps++ {
		switch next() % 10 {
		case 0, 1:
			p := pick()
			c := w.fork(p)
			if a, _ := w.reg.Lookup(p); a != w.lookup(c) {
				t.Fatalf("child %v has %s, parent %s", c, w.lookup(c), a)
			}
		case 2:
			if p := pick(); p != initProc && p != orch {
				drops := w.exit(p)
				for _, d := range drops {
					if _, live := w.reg.objects[d.OldContid]; live {
						t.Fatalf("dropped contid %s still live", d.OldContid)
					}
				}
			}
		case 3, 4:
			writer := Writer{Proc: pick(), CanSetContid: next()%2 == 0}
			if next()%4 == 0 {
				writer.Proc = orch
			}
			target := pick()
			if next()%2 == 0 {
				// A fresh child: the one target that passes EBUSY and
				// EXDEV, so that the later checks get exercised.
				target = w.fork(writer.Proc)
			}
			id := ID(next() % 9)
			if id == 8 {
				id = Unset
			}
			var prevOwner ProcID
			if o := w.reg.objects[id]; o != nil {
				prevOwner = o.owner
			}
			recs, err := w.reg.Set(writer, target, id)
			checkErr(t, err)
			if len(recs) == 0 || recs[0].Op != OpSet || recs[0].Success() != (err == nil) {
				t.Fatalf("Set records %s for err %v", recStrings(recs), err)
			}
			if err == nil {
				o := w.reg.objects[id]
				if !prevOwner.IsZero() && o.owner != prevOwner {
					t.Fatalf("contid %s changed owner from %v to %v while live", id, prevOwner, o.owner)
				}
				if prevOwner.IsZero() && o.owner != writer.Proc {
					t.Fatalf("new contid %s owned by %v, not the writer %v", id, o.owner, writer.Proc)
				}
			}
		case 5:
			_, err := w.reg.SetCapcontid(Writer{Proc: pick(), CanSetContid: next()%2 == 0}, pick(), next()%3 != 0)
			checkErr(t, err)
		case 6:
			_, err := w.reg.Get(Writer{Proc: pick(), CanSetContid: next()%2 == 0}, pick())
			checkErr(t, err)
		case 7:
			// A restart, with a process gone while the daemon was down.
			snap, err := w.reg.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if p := pick(); p != initProc && p != orch {
				w.tree.exit(p)
			}
			r, _, err := Restore(snap, w.tree, cfg)
			if err != nil {
				t.Fatalf("Restore of our own snapshot: %v", err)
			}
			w.reg = r
		case 8:
			w.reg.SetRunning(next()%4 != 0)
		case 9:
			if fp := w.tree.procs[pick()]; fp != nil {
				fp.threads = 1 + next()%2
			}
		}
		checkInvariants(t, w.reg, w.tree)
		for _, p := range w.tree.live() {
			chain := w.reg.ChainOf(p)
			text := w.reg.Chain(p)
			if (chain == nil) != (text == "") {
				t.Fatalf("Chain %q, ChainOf %v", text, chain)
			}
			if chain == nil {
				continue
			}
			cs, err := ParseChain(text)
			if err != nil || len(cs) != 1 || !slices.Equal(cs[0], chain) {
				t.Fatalf("Chain %q parses to %v, %v; want %v", text, cs, err, chain)
			}
		}
	}
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) || !slices.Contains(allowed, e.Errno) {
		t.Fatalf("unexpected error %v", err)
	}
}

func TestRandomOps(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 30
	}
	for seed := range uint64(n) {
		rng := rand.New(rand.NewPCG(seed, 1))
		data := make([]byte, 600)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		runOps(t, data)
	}
}

func FuzzRegistry(f *testing.F) {
	f.Add([]byte{0, 1, 3, 0, 1, 2, 3, 1, 1, 3, 4, 0, 2, 2, 5, 7, 1, 1})
	f.Add([]byte("\x00\x00\x00\x00\x03\x02\x01\x03\x05\x03\x00\x02\x03\x04\x07\x02\x02"))
	f.Fuzz(runOps)
}
