package proctable

import "testing"

func TestPIDIndex(t *testing.T) {
	var x pidIndex
	a, b := &proc{id: ProcID{1023, 1}}, &proc{id: ProcID{1024, 2}}
	x.set(1023, a)
	x.set(1024, b)
	x.set(1<<pidBits, a) // beyond PID_MAX_LIMIT: not kept
	x.set(-1, a)
	if x.get(1023) != a || x.get(1024) != b || x.get(1022) != nil || x.get(1<<pidBits) != nil || x.get(-1) != nil {
		t.Fatal("get after set")
	}
	if x.chunks[0] == nil || x.chunks[1] == nil || x.chunks[0].used != 1 || x.chunks[1].used != 1 {
		t.Fatalf("chunks %v %v", x.chunks[0], x.chunks[1])
	}
	x.set(1023, b) // replace: still one
	if x.chunks[0].used != 1 || x.get(1023) != b {
		t.Fatal("replace")
	}
	var seen []int32
	x.each(func(p *proc) bool { seen = append(seen, p.id.PID); return true })
	if len(seen) != 2 || seen[0] != 1024 || seen[1] != 1024 {
		// 1023 now holds b, whose id says 1024
		t.Fatalf("each saw %v", seen)
	}
	x.set(1023, nil)
	x.set(1023, nil) // twice: nothing more
	if x.chunks[0] != nil {
		t.Error("an empty chunk is kept")
	}
	if x.get(1024) != b || x.chunks[1].used != 1 {
		t.Error("the other chunk changed")
	}
	n := 0
	x.each(func(*proc) bool { n++; return false })
	if n != 1 {
		t.Errorf("each went on after false: %d", n)
	}
}
