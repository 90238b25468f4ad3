package contid

import (
	"testing"
)

// benchRegistry holds 1000 contids, three deep in places, with 10 processes
// each: a busy node.
func benchRegistry(tb testing.TB) (*world, []ProcID) {
	w := newWorld(tb, Config{})
	host := w.fork(initProc)
	var holders []ProcID
	for i := range 1000 {
		init := w.fork(host)
		if _, err := w.reg.Set(priv(host), init, ID(i)); err != nil {
			tb.Fatal(err)
		}
		for range 9 {
			holders = append(holders, w.fork(init))
		}
		holders = append(holders, init)
	}
	// One chain 3 deep for the chain benchmarks.
	n1 := holders[len(holders)-1]
	if _, err := w.reg.SetCapcontid(priv(host), n1, true); err != nil {
		tb.Fatal(err)
	}
	n2 := w.fork(n1)
	if _, err := w.reg.Set(unpriv(n1), n2, 100001); err != nil {
		tb.Fatal(err)
	}
	if _, err := w.reg.SetCapcontid(unpriv(n1), n2, true); err != nil {
		tb.Fatal(err)
	}
	task := w.fork(n2)
	if _, err := w.reg.Set(unpriv(n2), task, 100002); err != nil {
		tb.Fatal(err)
	}
	return w, append(holders, task)
}

func BenchmarkLookup(b *testing.B) {
	w, procs := benchRegistry(b)
	miss := ProcID{PID: 99999, StartTime: 1}
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok := w.reg.Lookup(procs[i%len(procs)]); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := w.reg.Lookup(miss); ok {
				b.Fatal("hit")
			}
		}
	})
}

func BenchmarkForkExit(b *testing.B) {
	w, procs := benchRegistry(b)
	parent := procs[0]
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c := ProcID{PID: 200000, StartTime: uint64(i)}
		w.reg.Fork(parent, c)
		if w.reg.Exit(c) != nil {
			b.Fatal("drop")
		}
	}
}

// BenchmarkSetExit creates a contid and drops it: the control path.
func BenchmarkSetExit(b *testing.B) {
	w, _ := benchRegistry(b)
	host := ProcID{PID: 101, StartTime: 11}
	target := w.tree.spawn(host)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.reg.Set(priv(host), target, 555555); err != nil {
			b.Fatal(err)
		}
		w.reg.Exit(target)
		w.reg.Fork(host, target) // host has no contid: nothing to undo
	}
}

func BenchmarkAppendChain(b *testing.B) {
	w, procs := benchRegistry(b)
	task := procs[len(procs)-1]
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = w.reg.AppendChain(buf[:0], task)
	}
	if string(buf) != "100002,^100001,^999" {
		b.Fatalf("chain %q", buf)
	}
}

func BenchmarkInChain(b *testing.B) {
	w, procs := benchRegistry(b)
	task := procs[len(procs)-1]
	b.ReportAllocs()
	for b.Loop() {
		if !w.reg.InChain(task, 999) {
			b.Fatal("not in chain")
		}
	}
}

// TestHotPathAllocs keeps attribution, inheritance, chain rendering and
// CONTAINER_OP text free of allocations.
func TestHotPathAllocs(t *testing.T) {
	w, procs := benchRegistry(t)
	task := procs[len(procs)-1]
	buf := make([]byte, 0, 512)
	i := uint64(0)
	rec := &OpRecord{Op: OpSet, Target: task, Contid: 4515122123205246976, OldContid: Unset, Labels: Labels{ID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Name: "default/web-0/app"},
		Writer: Writer{Proc: procs[0], AUID: 1000, Ses: 3, Comm: "runc", Exe: "/usr/bin/runc"}}
	for name, f := range map[string]func(){
		"Lookup":      func() { w.reg.Lookup(task) },
		"InChain":     func() { w.reg.InChain(task, 1) },
		"AppendChain": func() { buf = w.reg.AppendChain(buf[:0], task) },
		"AppendContainerID": func() {
			buf, _ = w.reg.AppendContainerID(buf[:0], 1, task)
		},
		"OpRecord.Append": func() { buf = rec.Append(buf[:0]) },
		"ForkExit": func() {
			i++
			c := ProcID{PID: 300000, StartTime: i}
			w.reg.Fork(procs[0], c)
			w.reg.Exit(c)
		},
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
}
