package daemon

import (
	"bytes"
	"unsafe"
)

// rawRecord is one record as the kernel sent it. data is a copy in the
// loop's arena, valid for the round that received it.
type rawRecord struct {
	typ  uint16
	data []byte
}

// arena holds the copies of one loop round's records, carved out of large
// blocks so that receiving allocates nothing per record. A round writes
// its complete events before the next round starts, and moves the records
// of events still open out of the arena (keepOpen), so nothing points
// into it when reset rewinds it for the next round. Reusing the blocks
// instead of letting the GC free them and allocating fresh ones spares
// the page faults that new memory costs: about a tenth of the daemon's
// CPU in an exec storm.
type arena struct {
	blocks [][]byte
	cur    int // block being filled
	off    int // bytes used in it
}

const arenaBlock = 256 << 10

// copy returns a copy of b that lives until the next reset.
func (a *arena) copy(b []byte) []byte {
	if len(b) > arenaBlock/4 {
		return bytes.Clone(b) // rare and large: the GC owns it
	}
	if a.cur < len(a.blocks) && arenaBlock-a.off < len(b) {
		a.cur, a.off = a.cur+1, 0
	}
	if a.cur == len(a.blocks) {
		a.blocks = append(a.blocks, make([]byte, arenaBlock))
	}
	blk := a.blocks[a.cur]
	n := copy(blk[a.off:], b)
	out := blk[a.off : a.off+n : a.off+n]
	a.off += n
	return out
}

// reset makes the arena's memory available again; the caller has let go
// of every copy.
func (a *arena) reset() {
	a.cur, a.off = 0, 0
	if len(a.blocks) > 4 {
		// A burst grew it: keep a few blocks, let the GC have the rest.
		clear(a.blocks[4:])
		a.blocks = a.blocks[:4]
	}
}

// owns says whether b points into the arena.
func (a *arena) owns(b []byte) bool {
	if cap(b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	for i := 0; i <= a.cur && i < len(a.blocks); i++ {
		start := uintptr(unsafe.Pointer(unsafe.SliceData(a.blocks[i])))
		if p >= start && p < start+arenaBlock {
			return true
		}
	}
	return false
}
