package proctable

import "time"

// foldLog keeps the processes the table folded (Config.FoldShortLived):
// each forked and exited within one drain, so nothing but a record still
// on its way can ask about it. They are kept here, in fork order, as
// compact records, instead of as entries of the PID index: under a
// third of the memory (64 bytes against 216), appended and consumed from
// the front in order, where a full entry was entered and removed a
// second later through a dozen scattered cache lines. (The daemon's CPU
// under an exec storm did not move by more than a percent either way:
// its cost is in each drain's first touches, bench/README.md.)
//
// A per-PID index finds a PID's newest record, and each record its PID's
// previous one, so a lookup costs the same whatever the log's length. The
// index holds absolute record numbers (seq), which compaction of the log
// does not change; a slot naming a record already forgotten, or a record
// of another PID after the number wrapped, is recognised and ignored, so
// forgetting a record never writes the index.
type foldLog struct {
	recs []foldedProc // recs[head:] are kept
	head int
	// base is the seq of recs[0].
	base uint32
	// byPID maps a PID to its newest record's seq+1 (0: none), in
	// chunks of pidChunkBits like pidIndex. Chunks stay once allocated:
	// at most 4 bytes per PID the host has used, 16 MiB at pid_max 4M.
	byPID [1 << (pidBits - pidChunkBits)]*[1 << pidChunkBits]uint32
}

// foldedProc is a folded process: its identity, its parent's, the tag it
// inherited, and its lifetime.
type foldedProc struct {
	id      ProcID
	parent  ProcID
	tag     uint64
	startNs int64
	exitNs  int64
	// prev is the seq+1 of the previous record of the same PID, 0 if none.
	prev uint32
}

func (l *foldLog) slot(pid int32, grow bool) *uint32 {
	if uint32(pid) >= 1<<pidBits {
		return nil
	}
	c := l.byPID[pid>>pidChunkBits]
	if c == nil {
		if !grow {
			return nil
		}
		c = new([1 << pidChunkBits]uint32)
		l.byPID[pid>>pidChunkBits] = c
	}
	return &c[pid&pidChunkMask]
}

// at returns the kept record numbered seq+1 (an index slot's value) if it
// is pid's, else nil.
func (l *foldLog) at(seq1 uint32, pid int32) *foldedProc {
	if seq1 == 0 {
		return nil
	}
	i := seq1 - 1 - l.base
	if i < uint32(l.head) || i >= uint32(len(l.recs)) || l.recs[i].id.PID != pid {
		return nil
	}
	return &l.recs[i]
}

func (l *foldLog) add(r foldedProc) {
	s := l.slot(r.id.PID, true)
	if s == nil {
		return
	}
	if l.at(*s, r.id.PID) != nil {
		r.prev = *s
	}
	l.recs = append(l.recs, r)
	*s = l.base + uint32(len(l.recs))
}

// each calls fn with pid's kept records, newest first, until fn returns
// false.
func (l *foldLog) each(pid int32, fn func(*foldedProc) bool) {
	s := l.slot(pid, false)
	if s == nil {
		return
	}
	for r := l.at(*s, pid); r != nil && fn(r); r = l.at(r.prev, pid) {
	}
}

// find returns pid's record with this identity, nil if none is kept.
func (l *foldLog) find(id ProcID) *foldedProc {
	var found *foldedProc
	l.each(id.PID, func(r *foldedProc) bool {
		if r.id.StartTime == id.StartTime {
			found = r
		}
		return found == nil
	})
	return found
}

// prune forgets records from the front, in fork order, while forget says
// so of the oldest.
func (l *foldLog) prune(forget func(*foldedProc, int) bool) {
	i := l.head
	for ; i < len(l.recs) && forget(&l.recs[i], len(l.recs)-i); i++ {
	}
	l.head = i
	switch {
	case l.head == len(l.recs):
		l.base += uint32(l.head)
		l.recs, l.head = l.recs[:0], 0
	case l.head > len(l.recs)/2 && l.head > 64:
		// Amortised O(1) per record, as the table's exit queue.
		n := copy(l.recs, l.recs[l.head:])
		l.base += uint32(l.head)
		l.recs, l.head = l.recs[:n], 0
	}
}

func (l *foldLog) len() int { return len(l.recs) - l.head }

// snapshot is what Get returns for a folded process: exited, Stale, with
// its parent's details when the parent is still known (a folded process
// did not exec as far as the table knows, so they are its own).
func (r *foldedProc) snapshot(parent *proc) Process {
	out := Process{ID: r.id, Parent: r.parent, TGID: r.id.PID, Leader: true}
	if parent != nil {
		out = parent.snapshot()
		out.ID, out.Parent, out.TGID, out.Leader = r.id, r.parent, r.id.PID, true
		if out.NSpid != nil {
			// Inner PIDs are unknown; the depth says it is namespaced.
			out.NSpid = make([]int32, len(out.NSpid))
			out.NSpid[0] = r.id.PID
		}
	}
	out.Threads = 0
	out.Flags = ForkSeen | Stale | Exited
	out.ExitTime = time.Unix(0, r.exitNs)
	return out
}
