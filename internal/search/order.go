package search

import "github.com/contaudit/contaudit/internal/event"

// order reproduces the order in which ausearch prints events: it keeps
// events sorted by stamp and prints the oldest once it is complete, so an
// event that ends early waits for older events still open. Only matching
// events are held; the open ones are only tracked by key.
type order struct {
	open     map[event.Key]int  // open events by key (a late event can reopen a key)
	openHeap minHeap[event.Key] // the same keys, oldest first; stale entries are skipped
	ready    minHeap[*held]
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

func newOrder() order {
	return order{
		open:     map[event.Key]int{},
		openHeap: minHeap[event.Key]{less: before},
		ready:    minHeap[*held]{less: heldBefore},
	}
}

func (o *order) opened(k event.Key) {
	if o.open[k] == 0 {
		o.openHeap.push(k)
	}
	o.open[k]++
}

func (o *order) closed(k event.Key) {
	switch n := o.open[k]; {
	case n > 1:
		o.open[k] = n - 1
	case n == 1:
		delete(o.open, k)
		// Drop the closed keys at the top now, or with nothing held (a
		// query that matches nothing) next would never clear them and the
		// heap would grow with the log.
		for o.openHeap.len() > 0 && o.open[o.openHeap.top()] == 0 {
			o.openHeap.pop()
		}
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
	o.ready.push(h)
	o.lastHeld = h
	return h
}

// next returns the oldest held event if no open event is older, or any
// held event when all is set.
func (o *order) next(all bool) *held {
	if o.ready.len() == 0 {
		return nil
	}
	top := o.ready.top()
	if !all {
		for o.openHeap.len() > 0 && o.open[o.openHeap.top()] == 0 {
			o.openHeap.pop()
		}
		if o.openHeap.len() > 0 && before(o.openHeap.top(), top.key) {
			return nil
		}
	}
	o.ready.pop()
	if o.lastHeld == top {
		o.lastHeld = nil
	}
	return top
}

// eachHeld calls f with every record of the held events.
func (o *order) eachHeld(f func(*payload)) {
	for _, h := range o.ready.s {
		for i := range h.recs {
			f(&h.recs[i])
		}
	}
}

func (o *order) recycle(h *held) {
	for i := range h.recs {
		h.recs[i] = payload{} // let the blocks go
	}
	o.free = append(o.free, h)
}

// minHeap is a binary heap without container/heap's interface boxing,
// which would allocate for every event.
type minHeap[T any] struct {
	s    []T
	less func(a, b T) bool
}

func (h *minHeap[T]) len() int { return len(h.s) }
func (h *minHeap[T]) top() T   { return h.s[0] }

func (h *minHeap[T]) push(x T) {
	h.s = append(h.s, x)
	for i := len(h.s) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(h.s[i], h.s[p]) {
			break
		}
		h.s[i], h.s[p] = h.s[p], h.s[i]
		i = p
	}
}

func (h *minHeap[T]) pop() T {
	x := h.s[0]
	n := len(h.s) - 1
	h.s[0] = h.s[n]
	var zero T
	h.s[n] = zero
	h.s = h.s[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(h.s[l], h.s[m]) {
			m = l
		}
		if r < n && h.less(h.s[r], h.s[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.s[i], h.s[m] = h.s[m], h.s[i]
		i = m
	}
	return x
}

func heldBefore(a, b *held) bool {
	if before(a.key, b.key) {
		return true
	}
	return !before(b.key, a.key) && a.seq < b.seq
}
