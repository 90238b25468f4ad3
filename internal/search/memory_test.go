package search

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// genLog produces n syscall events on the fly, sampling the live heap as
// it goes, so that the test sees the memory Search holds while it reads.
type genLog struct {
	n, i    int
	buf     []byte
	maxHeap uint64
}

func (g *genLog) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i < g.n {
		sec, ser := 1700000000+g.i/100, g.i+1
		g.buf = fmt.Appendf(g.buf, "type=SYSCALL msg=audit(%d.%03d:%d): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=%d auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"ls\" exe=\"/usr/bin/ls\" key=\"k\"\n", sec, g.i%1000, ser, g.i)
		g.buf = fmt.Appendf(g.buf, "type=PATH msg=audit(%d.%03d:%d): item=0 name=\"/usr/bin/ls\" inode=1 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n", sec, g.i%1000, ser)
		g.buf = fmt.Appendf(g.buf, "type=PROCTITLE msg=audit(%d.%03d:%d): proctitle=\"ls\"\n", sec, g.i%1000, ser)
		g.i++
		if g.i%20000 == 0 {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			g.maxHeap = max(g.maxHeap, ms.HeapAlloc)
		}
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// TestMemoryFlat checks that the memory a search holds does not grow with
// the log: four times the events, about the same live heap.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 1.2M records")
	}
	heap := func(n int) uint64 {
		g := &genLog{n: n}
		st, err := Search(context.Background(), NewMatcher(Query{Key: "k"}), []Source{{Name: "gen", Reader: g}}, io.Discard, Options{Format: FormatRaw})
		if err != nil {
			t.Fatal(err)
		}
		if st.Matched != n {
			t.Fatalf("matched %d of %d", st.Matched, n)
		}
		return g.maxHeap
	}
	small, large := heap(100000), heap(400000)
	t.Logf("live heap: %d KiB for 100k events, %d KiB for 400k", small>>10, large>>10)
	if large > 2*small+8<<20 {
		t.Errorf("live heap grew with the log: %d KiB for 100k events, %d KiB for 400k", small>>10, large>>10)
	}
}
