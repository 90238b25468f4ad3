package daemon

import (
	"sync"
)

// rawRecord is one record as the kernel sent it. data is owned by the
// record (carved from a chunk that no later record overwrites).
type rawRecord struct {
	typ  uint16
	data []byte
}

// recordQueue hands records from the netlink reader to the writer. The
// reader appends under a mutex and signals with a one-slot channel, so the
// writer wakes once per burst rather than once per record: at exec-storm
// rates a wakeup per record costs more than writing the record.
type recordQueue struct {
	mu      sync.Mutex
	recs    []rawRecord
	limit   int
	space   *sync.Cond // the reader waits here when the queue is full
	notify  chan struct{}
	closed  bool
	maxSeen int
}

func newRecordQueue(limit int) *recordQueue {
	q := &recordQueue{limit: limit, notify: make(chan struct{}, 1), recs: make([]rawRecord, 0, 1024)}
	q.space = sync.NewCond(&q.mu)
	return q
}

// push appends a record, waiting while the queue holds limit records: the
// reader then stops reading and the kernel's own backlog and
// backlog_wait_time govern, as they do for auditd. It returns false once
// the queue is closed.
func (q *recordQueue) push(r rawRecord) bool {
	q.mu.Lock()
	for len(q.recs) >= q.limit && !q.closed {
		q.space.Wait()
	}
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.recs = append(q.recs, r)
	if len(q.recs) > q.maxSeen {
		q.maxSeen = len(q.recs)
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return true
}

// take swaps out every queued record, giving back spare (emptied) for reuse.
func (q *recordQueue) take(spare []rawRecord) []rawRecord {
	clear(spare)
	q.mu.Lock()
	out := q.recs
	q.recs = spare[:0]
	q.space.Broadcast()
	q.mu.Unlock()
	return out
}

func (q *recordQueue) depth() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.recs)
}

func (q *recordQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.space.Broadcast()
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// chunkAlloc carves record copies out of large chunks so that the receive
// path allocates once per chunk, not once per record; a chunk is freed by
// the GC when no record in it is referenced any more.
type chunkAlloc struct {
	buf []byte
}

const chunkSize = 256 << 10

func (a *chunkAlloc) copy(b []byte) []byte {
	if len(b) > chunkSize/4 {
		return append([]byte(nil), b...)
	}
	if len(a.buf) < len(b) {
		a.buf = make([]byte, chunkSize)
	}
	n := copy(a.buf, b)
	out := a.buf[:n:n]
	a.buf = a.buf[n:]
	return out
}
