package proctable

// pidIndex maps a PID to the newest entry that holds it (older holders
// are chained from it). The kernel hands out PIDs in rising order, so the
// processes of a fork storm sit next to each other here, in the same
// cache lines and pages; a hash map scattered them, and on a virtual
// machine every scattered lookup paid a TLB miss (a nested page walk) and
// a cache miss, the bulk of what applying a FORK or an EXIT cost. The
// index has two levels so that a host with pid_max at 4M pays only for
// the PID ranges in use: a range's chunk goes when its last entry does.
type pidIndex struct {
	chunks [1 << (pidBits - pidChunkBits)]*pidChunk
}

const (
	pidBits      = 22 // PID_MAX_LIMIT is 4M on 64-bit kernels
	pidChunkBits = 10
	pidChunkMask = 1<<pidChunkBits - 1
)

type pidChunk struct {
	slots [1 << pidChunkBits]*proc
	used  int
}

// get returns the newest entry for pid, nil if none (or pid is not one
// the kernel can hand out).
func (x *pidIndex) get(pid int32) *proc {
	if uint32(pid) >= 1<<pidBits {
		return nil
	}
	if c := x.chunks[pid>>pidChunkBits]; c != nil {
		return c.slots[pid&pidChunkMask]
	}
	return nil
}

// set makes p the newest entry for pid; nil removes it. A pid the kernel
// cannot hand out is not kept.
func (x *pidIndex) set(pid int32, p *proc) {
	if uint32(pid) >= 1<<pidBits {
		return
	}
	c := x.chunks[pid>>pidChunkBits]
	if c == nil {
		if p == nil {
			return
		}
		c = new(pidChunk)
		x.chunks[pid>>pidChunkBits] = c
	}
	slot := &c.slots[pid&pidChunkMask]
	switch {
	case *slot == nil && p != nil:
		c.used++
	case *slot != nil && p == nil:
		if c.used--; c.used == 0 {
			x.chunks[pid>>pidChunkBits] = nil
			return
		}
	}
	*slot = p
}

// each calls fn with each PID's newest entry, in PID order, until fn
// returns false. fn must not change the index.
func (x *pidIndex) each(fn func(*proc) bool) {
	for _, c := range x.chunks {
		if c == nil {
			continue
		}
		for _, p := range c.slots {
			if p != nil && !fn(p) {
				return
			}
		}
	}
}
