package search

import (
	"container/heap"

	"github.com/contaudit/contaudit/internal/event"
)

// order reproduces the order in which ausearch prints events: it keeps
// events sorted by stamp and prints the oldest once it is complete, so an
// event that ends early waits for older events still open. Only matching
// events are held; the open ones are only tracked by key.
type order struct {
	open     map[event.Key]int // open events by key (a late event can reopen a key)
	openHeap keyHeap           // the same keys, oldest first; stale entries are skipped
	ready    heldHeap
	lastHeld *held
	free     []*held
	seq      uint64
}

// held is a matching event waiting for its turn; recs is owned (copied
// from the assembler's borrowed slice) and reused through free.
type held struct {
	key  event.Key
	seq  uint64 // order of holding, to keep equal stamps in log order
	recs []payload
}

func (o *order) opened(k event.Key) {
	if o.open[k] == 0 {
		heap.Push(&o.openHeap, k)
	}
	o.open[k]++
}

func (o *order) closed(k event.Key) {
	switch n := o.open[k]; {
	case n > 1:
		o.open[k] = n - 1
	case n == 1:
		delete(o.open, k)
	}
}

func (o *order) hold(k event.Key, recs []payload) *held {
	var h *held
	if n := len(o.free); n > 0 {
		h, o.free = o.free[n-1], o.free[:n-1]
	} else {
		h = &held{}
	}
	h.key = k
	o.seq++
	h.seq = o.seq
	h.recs = append(h.recs[:0], recs...)
	heap.Push(&o.ready, h)
	o.lastHeld = h
	return h
}

// next returns the oldest held event if no open event is older, or any
// held event when all is set.
func (o *order) next(all bool) *held {
	if len(o.ready) == 0 {
		return nil
	}
	top := o.ready[0]
	if !all {
		for len(o.openHeap) > 0 && o.open[o.openHeap[0]] == 0 {
			heap.Pop(&o.openHeap)
		}
		if len(o.openHeap) > 0 && before(o.openHeap[0], top.key) {
			return nil
		}
	}
	heap.Pop(&o.ready)
	if o.lastHeld == top {
		o.lastHeld = nil
	}
	return top
}

func (o *order) recycle(h *held) {
	for i := range h.recs {
		h.recs[i] = payload{} // let the slab chunks go
	}
	o.free = append(o.free, h)
}

type keyHeap []event.Key

func (h keyHeap) Len() int           { return len(h) }
func (h keyHeap) Less(i, j int) bool { return before(h[i], h[j]) }
func (h keyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *keyHeap) Push(x any)        { *h = append(*h, x.(event.Key)) }
func (h *keyHeap) Pop() any {
	old := *h
	k := old[len(old)-1]
	*h = old[:len(old)-1]
	return k
}

type heldHeap []*held

func (h heldHeap) Len() int { return len(h) }
func (h heldHeap) Less(i, j int) bool {
	if before(h[i].key, h[j].key) {
		return true
	}
	return !before(h[j].key, h[i].key) && h[i].seq < h[j].seq
}
func (h heldHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *heldHeap) Push(x any)   { *h = append(*h, x.(*held)) }
func (h *heldHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
