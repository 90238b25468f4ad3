package event

import (
	"math"
	"math/bits"
	"time"

	"github.com/contaudit/contaudit/internal/abi"
)

// entry is an open event. Entries are recycled with their slices, so that
// a steady stream allocates nothing per record or per event.
type entry[T any] struct {
	key        Key
	recs       []T
	types      []uint32
	born       int64
	late       bool
	part       int
	prev, next *entry[T]
}

const (
	// Open events start with room for a typical syscall event (SYSCALL,
	// CWD, two PATHs, PROCTITLE and a little more).
	initialRecords = 8
	// Slices grown past this by a large event are not kept for reuse, so
	// one EXECVE storm does not pin its memory for the process's life.
	maxPooledRecords = 64
)

// Assembler groups records into events; see the package documentation for
// the rules. The zero value is not usable: call NewAssembler.
type Assembler[T any] struct {
	timeout     int64
	maxInFlight int
	maxRecords  int
	history     int
	proctitle   bool
	standalone  func(uint32) bool

	open map[Key]*entry[T]
	// last is the open entry the previous record went to: most records
	// follow one of their own event, and the map lookup hashes the Key.
	last      *entry[T]
	noSerials bool
	// list holds the open entries oldest first (a sentinel of a circular
	// list), so Expire and eviction touch only what they emit.
	list entry[T]
	free []*entry[T]
	// done holds what the last call emitted; it is recycled at the start
	// of the next call, which is what bounds the lifetime of Event slices.
	done []*entry[T]
	out  []Event[T]

	nodes    map[string]*serials
	lastNode *serials
	lastName string
	// gapCheck is the earliest tick at which Expire may have a hole to
	// count, so that frequent Expire calls skip the nodes.
	gapCheck int64

	epoch    time.Time
	hasEpoch bool
	lastTick int64

	stats Stats
}

// NewAssembler returns an Assembler bounded by cfg.
func NewAssembler[T any](cfg Config) *Assembler[T] {
	a := &Assembler[T]{
		timeout:     int64(cfg.EndOfEventTimeout),
		maxInFlight: cfg.MaxInFlight,
		maxRecords:  cfg.MaxRecords,
		history:     cfg.History,
		proctitle:   cfg.CloseOnProctitle,
		noSerials:   cfg.NoSerials,
		standalone:  cfg.Standalone,
		nodes:       make(map[string]*serials),
		gapCheck:    math.MaxInt64,
	}
	if a.timeout <= 0 {
		a.timeout = int64(defaultTimeout)
	}
	if a.maxInFlight <= 0 {
		a.maxInFlight = defaultMaxInFlight
	}
	if a.maxRecords <= 0 {
		a.maxRecords = defaultMaxRecords
	}
	if a.history <= 0 {
		a.history = defaultHistory
	}
	a.history = max(a.history, minHistory)
	if a.history&(a.history-1) != 0 {
		a.history = 1 << bits.Len(uint(a.history))
	}
	if a.standalone == nil {
		a.standalone = IsStandalone
	}
	a.open = make(map[Key]*entry[T], min(a.maxInFlight, 4096))
	a.list.next, a.list.prev = &a.list, &a.list
	return a
}

// Add files one record and returns the events it completed, possibly none:
// its own event, an event it split, or the oldest one it evicted. now is
// the caller's clock, compared only with other now values: the wall clock
// for a live stream, the records' own time when replaying a file; it is
// taken as the latest now seen if it runs backwards. An EOE
// record is not kept: rec is dropped.
func (a *Assembler[T]) Add(k Key, typ uint32, rec T, now time.Time) []Event[T] {
	a.recycle()
	a.stats.Records++
	t := a.tick(now)

	if isDaemon(typ) {
		// auditd numbers its own records; they could collide with a
		// kernel Key and must not enter serial tracking.
		e := a.alloc(k, t)
		a.push(e, typ, rec)
		a.emit(e, EndStandalone)
		return a.out
	}

	e := a.last
	if e == nil || !e.key.Equal(k) {
		e = a.open[k]
	}
	if e != nil {
		a.last = e
		if typ == abi.AUDIT_EOE {
			a.close(e, EndEOE)
			return a.out
		}
		if e.late {
			a.stats.Late++
		}
		a.push(e, typ, rec)
		if a.proctitle && typ == abi.AUDIT_PROCTITLE {
			a.close(e, EndProctitle)
		}
		return a.out
	}

	if a.noSerials {
		if typ == abi.AUDIT_EOE {
			a.stats.OrphanEOE++
			return a.out
		}
		a.open1(a.alloc(k, t), typ, rec)
		return a.out
	}
	ns := a.node(k.Node)
	late := ns.closed(k)
	if typ == abi.AUDIT_EOE {
		if late {
			a.stats.LateEOE++
		} else {
			// Its records were lost or will come without an end; the
			// serial stays unseen so that a total loss is counted.
			a.stats.OrphanEOE++
		}
		return a.out
	}
	if late {
		a.stats.Late++
	} else if ns.observe(k, t, &a.stats) {
		a.gapCheck = min(a.gapCheck, t+a.timeout)
	}

	e = a.alloc(k, t)
	e.late = late
	a.open1(e, typ, rec)
	return a.out
}

// open1 files the first record of a new event: it is emitted at once or
// kept open.
func (a *Assembler[T]) open1(e *entry[T], typ uint32, rec T) {
	k := e.key
	a.push(e, typ, rec)
	switch {
	case a.standalone(typ):
		a.emit(e, EndStandalone)
	case a.proctitle && typ == abi.AUDIT_PROCTITLE:
		a.emit(e, EndProctitle)
	default:
		if len(a.open) >= a.maxInFlight {
			a.close(a.list.next, EndEvicted)
		}
		a.open[k] = e
		a.last = e
		e.prev, e.next = a.list.prev, &a.list
		a.list.prev.next = e
		a.list.prev = e
	}
}

// Expire returns the events opened EndOfEventTimeout or more before now
// and counts the lost serials that are due. It walks only the events it
// returns (plus one), so calling it on every tick is cheap. A now earlier
// than one already seen counts as the latest seen.
func (a *Assembler[T]) Expire(now time.Time) []Event[T] {
	a.recycle()
	t := a.tick(now)
	for e := a.list.next; e != &a.list && t-e.born >= a.timeout; e = a.list.next {
		a.close(e, EndTimeout)
	}
	if t >= a.gapCheck && !a.noSerials {
		a.gapCheck = math.MaxInt64
		for _, ns := range a.nodes {
			if due, ok := ns.expire(t, a.timeout, &a.stats); ok {
				a.gapCheck = min(a.gapCheck, due)
			}
		}
	}
	return a.out
}

// Flush returns every open event, oldest first, and counts every hole
// below the highest serial seen as lost: call it at shutdown or at the end
// of the input. The Assembler stays usable and keeps its history.
func (a *Assembler[T]) Flush() []Event[T] {
	a.recycle()
	for e := a.list.next; e != &a.list; e = a.list.next {
		a.close(e, EndFlush)
	}
	if !a.noSerials {
		for _, ns := range a.nodes {
			ns.flush(&a.stats)
		}
	}
	a.gapCheck = math.MaxInt64
	return a.out
}

// EachOpen calls f with every record held by an open event, oldest event
// first, so that a caller can move what its records point to (a reader
// that reuses its buffers copies the lines they still need).
func (a *Assembler[T]) EachOpen(f func(rec *T)) {
	for e := a.list.next; e != &a.list; e = e.next {
		for i := range e.recs {
			f(&e.recs[i])
		}
	}
}

// Open returns how many events are open: 0 means that the next record
// starts afresh, whatever came before.
func (a *Assembler[T]) Open() int { return len(a.open) }

// Limits returns the bounds in force, defaults filled in.
func (a *Assembler[T]) Limits() (timeout time.Duration, maxInFlight, maxRecords int) {
	return time.Duration(a.timeout), a.maxInFlight, a.maxRecords
}

// Stats returns the counters so far.
func (a *Assembler[T]) Stats() Stats {
	s := a.stats
	s.InFlight = len(a.open)
	return s
}

// tick turns now into the Assembler's clock, which never runs backwards:
// records replayed from a file in log time may step back, and the open
// list must stay in the order of its deadlines.
func (a *Assembler[T]) tick(now time.Time) int64 {
	if !a.hasEpoch {
		a.epoch, a.hasEpoch = now, true
	}
	a.lastTick = max(a.lastTick, int64(now.Sub(a.epoch)))
	return a.lastTick
}

func (a *Assembler[T]) node(name string) *serials {
	if a.lastNode != nil && name == a.lastName {
		return a.lastNode
	}
	ns := a.nodes[name]
	if ns == nil {
		ns = newSerials(a.history)
		a.nodes[name] = ns
	}
	a.lastNode, a.lastName = ns, name
	return ns
}

// push appends a record, first emitting the held records as a part if the
// event is full, so that a part never exceeds MaxRecords and the open
// remainder is never empty.
func (a *Assembler[T]) push(e *entry[T], typ uint32, rec T) {
	if len(e.recs) >= a.maxRecords {
		p := a.alloc(e.key, e.born)
		p.late, p.part = e.late, e.part
		p.recs, e.recs = e.recs, p.recs
		p.types, e.types = e.types, p.types
		e.part++
		a.emit(p, EndSplit)
	}
	e.recs = append(e.recs, rec)
	e.types = append(e.types, typ)
}

func (a *Assembler[T]) alloc(k Key, t int64) *entry[T] {
	var e *entry[T]
	if n := len(a.free); n > 0 {
		e = a.free[n-1]
		a.free[n-1] = nil
		a.free = a.free[:n-1]
	} else {
		e = new(entry[T])
	}
	if e.recs == nil {
		e.recs = make([]T, 0, initialRecords)
		e.types = make([]uint32, 0, initialRecords)
	}
	e.key, e.born, e.late, e.part = k, t, false, 0
	return e
}

func (a *Assembler[T]) close(e *entry[T], r Reason) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	delete(a.open, e.key)
	if a.last == e {
		a.last = nil
	}
	a.emit(e, r)
}

func (a *Assembler[T]) emit(e *entry[T], r Reason) {
	a.out = append(a.out, Event[T]{
		Key: e.key, Records: e.recs, Types: e.types,
		Reason: r, Late: e.late, Part: e.part,
	})
	a.done = append(a.done, e)
	a.stats.Events++
	switch r {
	case EndEOE:
		a.stats.EOE++
	case EndStandalone:
		a.stats.Standalone++
	case EndProctitle:
		a.stats.Proctitle++
	case EndTimeout:
		a.stats.Timeout++
	case EndEvicted:
		a.stats.Evicted++
	case EndSplit:
		a.stats.Split++
	case EndFlush:
		a.stats.Flushed++
	}
}

// recycle takes back what the previous call lent out.
func (a *Assembler[T]) recycle() {
	for i, e := range a.done {
		a.done[i] = nil
		if cap(e.recs) > maxPooledRecords {
			e.recs, e.types = nil, nil
		} else {
			clear(e.recs) // let the GC have what T points to
			e.recs, e.types = e.recs[:0], e.types[:0]
		}
		e.key = Key{}
		if len(a.free) < a.maxInFlight {
			a.free = append(a.free, e)
		}
	}
	a.done = a.done[:0]
	clear(a.out)
	a.out = a.out[:0]
}
