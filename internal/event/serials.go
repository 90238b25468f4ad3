package event

// slot remembers one serial of a node: enough of its Key to tell a late
// record from a new event, and when it was first seen, to date the holes
// below it.
type slot struct {
	serial uint64
	sec    int64
	msec   uint32
	used   bool
	at     int64
}

// serials tracks one node's kernel serials in a ring indexed by serial, so
// that neither late detection nor gap counting needs a map per serial.
//
// Invariants once started: every serial below base (mod 2^32) is resolved,
// seen or counted lost; top is the highest serial seen, and it is seen
// unless base == top+1; top-base < len(slots), so a window serial's slot
// holds that serial or an older, resolved one.
type serials struct {
	slots   []slot
	mask    uint32
	started bool
	first   uint32 // where tracking (re)started: nothing below was counted
	base    uint32
	top     uint32
}

func newSerials(history int) *serials {
	return &serials{slots: make([]slot, history), mask: uint32(history - 1)}
}

// closed reports whether k was seen before, exactly (serial and timestamp).
func (s *serials) closed(k Key) bool {
	sl := &s.slots[uint32(k.Serial)&s.mask]
	return sl.used && sl.serial == k.Serial && sl.sec == k.Sec && sl.msec == k.Msec
}

func (s *serials) seen(x uint32) bool {
	sl := &s.slots[x&s.mask]
	return sl.used && uint32(sl.serial) == x
}

func (s *serials) blocked() bool { return s.started && s.base != s.top+1 }

// observe records the first record of a new, not late, event. It reports
// whether a hole now waits below the highest serial.
func (s *serials) observe(k Key, tick int64, st *Stats) bool {
	x := uint32(k.Serial)
	h := uint32(len(s.slots))
	switch d := x - s.base; {
	case !s.started:
		s.started, s.first, s.base, s.top = true, x, x, x
	case d >= 1<<31: // below the window
		if s.base-x <= h {
			// Resolved already. Its slot may now belong to a window
			// serial, so it is not remembered.
			if x-s.first < 1<<31 && !s.seen(x) {
				st.LostLate++
			}
			// Otherwise it came before tracking began, or it reuses a
			// serial under another timestamp: neither is a loss.
			return s.blocked()
		}
		// Slots of the old numbering stay: late detection matches whole
		// Keys, and a stale serial can only hide a loss, while clearing
		// the ring would make a stream that flips between two numberings
		// (unlabelled logs of two hosts) cost a ring per record.
		st.SerialResets++
		s.first, s.base, s.top = x, x, x
	case d >= h:
		s.slide(x-h+1, st)
	}
	s.slots[x&s.mask] = slot{serial: k.Serial, sec: k.Sec, msec: k.Msec, used: true, at: tick}
	if x-s.top < 1<<31 {
		s.top = x
	}
	s.advance()
	return s.blocked()
}

func (s *serials) advance() {
	for s.base != s.top+1 && s.seen(s.base) {
		s.base++
	}
}

// slide moves base up to to, counting every unseen serial passed as lost.
// It walks at most the window; beyond top nothing was seen.
func (s *serials) slide(to uint32, st *Stats) {
	for s.base != to {
		if s.base == s.top+1 {
			st.Lost += uint64(to - s.base)
			s.base, s.top = to, to-1
			return
		}
		if !s.seen(s.base) {
			st.Lost++
		}
		s.base++
	}
}

// expire counts as lost the holes whose next seen serial arrived timeout
// ago or more. It returns the tick at which the next hole is due, or false
// if none waits.
func (s *serials) expire(tick, timeout int64, st *Stats) (int64, bool) {
	for s.blocked() {
		y := s.base + 1
		for y != s.top && !s.seen(y) { // top is seen while blocked
			y++
		}
		at := s.slots[y&s.mask].at
		if tick-at < timeout {
			return at + timeout, true
		}
		st.Lost += uint64(y - s.base)
		s.base = y
		s.advance()
	}
	return 0, false
}

// flush counts every hole below top as lost.
func (s *serials) flush(st *Stats) {
	if s.started {
		s.slide(s.top+1, st)
	}
}
